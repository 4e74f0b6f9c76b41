// The status page's freeze and rollout forms (./freeze-form.ts) land here: the same
// actions as the API's freeze routes (../api/freeze-routes.ts), with the same audit
// entries, taken from a form. The server's auth hook has already admitted only an
// operator with the `operator` role, and refused a session's post from another site
// (Sec-Fetch-Site / Origin, ../../server.ts); the cookie is SameSite=Strict besides.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { HoldStore } from "../../adapters/storage/holds";
import type { Clock } from "../../clock";
import { newFreeze } from "../../domain/freeze";
import { reasonField, type AuditRecorder } from "../audited";
import { freezeView } from "../holds-view";
import { MAX_FREEZE_MINUTES } from "./freeze-form";
import { html } from "./html";
import { layout } from "./layout";

export interface HoldRoutesDeps {
  readonly holds: Pick<
    HoldStore,
    "freeze" | "setFreeze" | "clearFreeze" | "pauseRollout" | "resumeRollout"
  >;
  readonly clock: Clock;
  readonly record: AuditRecorder;
}

const freezeForm = z.object({
  minutes: z.coerce.number().int().min(1).max(MAX_FREEZE_MINUTES),
  reason: reasonField,
});
const reasonForm = z.object({ reason: reasonField });

type Send = (reply: FastifyReply, body: string, status?: number) => FastifyReply;

function operatorName(request: FastifyRequest): string {
  if (request.operator === null) throw new Error("a hold form needs an operator");
  return request.operator.name;
}

/** A refused form: what was wrong, and the way back. */
export function refusedPage(message: string): string {
  return layout(
    "Refused: hpc-fleet host-manager",
    html`<main>
      <section>
        <h2>Not done</h2>
        <p class="notice" role="alert">${message}</p>
        <p><a href="/">Back to the status page</a></p>
      </section>
    </main>`,
  );
}

export function registerHoldRoutes(forms: FastifyInstance, deps: HoldRoutesDeps, send: Send) {
  const { holds, clock, record } = deps;
  const backToPage = (reply: FastifyReply) => reply.redirect("/#holds", 303);
  const invalid = (reply: FastifyReply, error: z.ZodError) => {
    const issue = error.issues[0];
    return send(reply, refusedPage(`${issue?.path.join(".") ?? "form"}: ${issue?.message}`), 400);
  };
  const config = { config: { auth: "page" as const } };

  forms.post("/freeze", config, async (request, reply) => {
    const form = freezeForm.safeParse(request.body ?? {});
    if (!form.success) return invalid(reply, form.error);
    const now = clock.now();
    const { reason, minutes } = form.data;
    const until = now + minutes * 60_000;
    const freeze = newFreeze({ by: operatorName(request), reason, until }, now);
    if ("error" in freeze) {
      record(request, { action: "freeze", reason, outcome: `refused: ${freeze.error}` });
      return send(reply, refusedPage(freeze.error), 400);
    }
    holds.setFreeze(freeze);
    const target = new Date(until).toISOString();
    record(request, { action: "freeze", target, reason, outcome: "frozen" });
    request.log.warn({ ...freezeView(freeze, now), from: "status page" }, "fleet frozen");
    return backToPage(reply);
  });

  forms.post("/unfreeze", config, async (request, reply) => {
    const form = reasonForm.safeParse(request.body ?? {});
    if (!form.success) return invalid(reply, form.error);
    const ended = holds.clearFreeze();
    const { reason } = form.data;
    record(request, { action: "unfreeze", reason, outcome: ended ? "unfrozen" : "was not frozen" });
    request.log.warn({ by: operatorName(request), reason, from: "status page" }, "fleet unfrozen");
    return backToPage(reply);
  });

  forms.post("/rollout/pause", config, async (request, reply) => {
    const form = reasonForm.safeParse(request.body ?? {});
    if (!form.success) return invalid(reply, form.error);
    const pause = { by: operatorName(request), reason: form.data.reason, pausedAt: clock.now() };
    holds.pauseRollout(pause);
    record(request, { action: "rollout-pause", reason: pause.reason, outcome: "paused" });
    request.log.warn({ ...pause, from: "status page" }, "rollout paused");
    return backToPage(reply);
  });

  forms.post("/rollout/resume", config, async (request, reply) => {
    const form = reasonForm.safeParse(request.body ?? {});
    if (!form.success) return invalid(reply, form.error);
    const resumed = holds.resumeRollout();
    const { reason } = form.data;
    record(request, {
      action: "rollout-resume",
      reason,
      outcome: resumed ? "resumed" : "was not paused",
    });
    request.log.warn({ by: operatorName(request), reason, from: "status page" }, "rollout resumed");
    return backToPage(reply);
  });
}
