// The freeze and the rollout's pause, for operators: set and end them, each with a
// reason. State-changing, so the server's auth admits only the `operator` role; each
// action is written to the audit log under the operator's name.
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { HoldStore } from "../../adapters/storage/holds";
import type { Clock } from "../../clock";
import type { AuditRecorder } from "../audited";
import { newFreeze } from "../../domain/freeze";
import { freezeView, rolloutPauseView } from "../holds-view";
import { firstIssue } from "./schemas";

export interface FreezeRoutesDeps {
  readonly holds: HoldStore;
  readonly clock: Clock;
  readonly record: AuditRecorder;
}

const reasonSchema = z.string().trim().min(1, "required").max(500);
const freezeBody = z.object({ until: z.iso.datetime({ offset: true }), reason: reasonSchema });
const reasonBody = z.object({ reason: reasonSchema });

/** Who acts: the signed-in operator (the server's auth admits no one else here). */
function operatorOf(request: { operator: { name: string } | null }): string {
  if (request.operator === null) throw new Error("a freeze route needs an operator");
  return request.operator.name;
}

export const freezeRoutes: FastifyPluginAsync<FreezeRoutesDeps> = async (app, deps) => {
  const { holds, clock, record } = deps;

  app.post("/api/v1/freeze", async (request, reply) => {
    const body = freezeBody.safeParse(request.body ?? {});
    if (!body.success) {
      return reply.code(400).send({ error: "invalid request", ...firstIssue(body.error) });
    }
    const now = clock.now();
    const by = operatorOf(request);
    const { reason } = body.data;
    const freeze = newFreeze({ by, reason, until: Date.parse(body.data.until) }, now);
    if ("error" in freeze) {
      record(request, { action: "freeze", reason, outcome: `refused: ${freeze.error}` });
      return reply
        .code(400)
        .send({ error: "invalid request", field: "until", message: freeze.error });
    }
    holds.setFreeze(freeze);
    record(request, { action: "freeze", target: body.data.until, reason, outcome: "frozen" });
    request.log.warn({ ...freezeView(freeze, now) }, "fleet frozen");
    return reply.code(201).send(freezeView(freeze, now));
  });

  for (const [method, url] of [
    ["DELETE", "/api/v1/freeze"],
    ["POST", "/api/v1/unfreeze"],
  ] as const) {
    app.route({
      method,
      url,
      handler: async (request, reply) => {
        const body = reasonBody.safeParse(request.body ?? {});
        if (!body.success) {
          return reply.code(400).send({ error: "invalid request", ...firstIssue(body.error) });
        }
        const was = holds.freeze();
        const ended = holds.clearFreeze();
        const by = operatorOf(request);
        record(request, {
          action: "unfreeze",
          reason: body.data.reason,
          outcome: ended ? "unfrozen" : "was not frozen",
        });
        request.log.warn(
          { by, reason: body.data.reason, was: was && freezeView(was, clock.now()) },
          "fleet unfrozen",
        );
        return reply.send({ frozen: false, ended });
      },
    });
  }

  app.post("/api/v1/rollout/pause", async (request, reply) => {
    const body = reasonBody.safeParse(request.body ?? {});
    if (!body.success) {
      return reply.code(400).send({ error: "invalid request", ...firstIssue(body.error) });
    }
    const pause = { by: operatorOf(request), reason: body.data.reason, pausedAt: clock.now() };
    holds.pauseRollout(pause);
    record(request, { action: "rollout-pause", reason: pause.reason, outcome: "paused" });
    request.log.warn(pause, "rollout paused");
    return reply.send(rolloutPauseView(pause));
  });

  app.post("/api/v1/rollout/resume", async (request, reply) => {
    const body = reasonBody.safeParse(request.body ?? {});
    if (!body.success) {
      return reply.code(400).send({ error: "invalid request", ...firstIssue(body.error) });
    }
    const resumed = holds.resumeRollout();
    const outcome = resumed ? "resumed" : "was not paused";
    record(request, { action: "rollout-resume", reason: body.data.reason, outcome });
    request.log.warn({ by: operatorOf(request), reason: body.data.reason }, "rollout resumed");
    return reply.send({ paused: false, resumed });
  });
};
