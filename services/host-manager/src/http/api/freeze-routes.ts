// The freeze and the rollout's pause, for operators: set and end them, each with a
// reason. Behind the server's bearer check like every API route; the operator role
// check goes on them once operators have their own credentials (issue 14, item 1).
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { HoldStore } from "../../adapters/storage/holds";
import type { Clock } from "../../clock";
import { newFreeze } from "../../domain/freeze";
import { freezeView, rolloutPauseView } from "../holds-view";
import { firstIssue } from "./schemas";

export interface FreezeRoutesDeps {
  readonly holds: HoldStore;
  readonly clock: Clock;
}

const reasonSchema = z.string().trim().min(1, "required").max(500);
/** Who, as free text, until operators have names of their own. */
const bySchema = z.string().trim().min(1).max(100).default("operator");

const freezeBody = z.object({
  until: z.iso.datetime({ offset: true }),
  reason: reasonSchema,
  by: bySchema,
});
const reasonBody = z.object({ reason: reasonSchema, by: bySchema });

export const freezeRoutes: FastifyPluginAsync<FreezeRoutesDeps> = async (app, deps) => {
  const { holds, clock } = deps;

  app.post("/api/v1/freeze", async (request, reply) => {
    const body = freezeBody.safeParse(request.body ?? {});
    if (!body.success) {
      return reply.code(400).send({ error: "invalid request", ...firstIssue(body.error) });
    }
    const now = clock.now();
    const freeze = newFreeze({ ...body.data, until: Date.parse(body.data.until) }, now);
    if ("error" in freeze) {
      return reply
        .code(400)
        .send({ error: "invalid request", field: "until", message: freeze.error });
    }
    holds.setFreeze(freeze);
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
        request.log.warn(
          { by: body.data.by, reason: body.data.reason, was: was && freezeView(was, clock.now()) },
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
    const pause = { by: body.data.by, reason: body.data.reason, pausedAt: clock.now() };
    holds.pauseRollout(pause);
    request.log.warn(pause, "rollout paused");
    return reply.send(rolloutPauseView(pause));
  });

  app.post("/api/v1/rollout/resume", async (request, reply) => {
    const body = reasonBody.safeParse(request.body ?? {});
    if (!body.success) {
      return reply.code(400).send({ error: "invalid request", ...firstIssue(body.error) });
    }
    const resumed = holds.resumeRollout();
    request.log.warn({ by: body.data.by, reason: body.data.reason }, "rollout resumed");
    return reply.send({ paused: false, resumed });
  });
};
