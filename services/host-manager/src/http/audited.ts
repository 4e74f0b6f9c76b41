// For state-changing routes: the `reason` every operator action must give, and the
// audit entry it writes (who = the signed-in operator's name). A route parses its body
// with `reasonField` in its schema, acts, then calls `record` with the outcome.
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { AuditStore } from "../adapters/storage/audit";
import type { Clock } from "../clock";

/** Required, trimmed, at most 500 characters: enough for a sentence, not a document. */
export const reasonField = z.string().trim().min(1, "is required").max(500);

export interface AuditedAction {
  readonly action: string;
  readonly target?: string | null;
  readonly reason: string;
  readonly outcome: string;
}

export function makeAuditRecorder(audit: Pick<AuditStore, "append">, clock: Clock) {
  return (request: Pick<FastifyRequest, "operator">, entry: AuditedAction): void => {
    if (request.operator === null) throw new Error("an audited action needs an operator");
    audit.append({
      at: clock.now(),
      who: request.operator.name,
      action: entry.action,
      target: entry.target ?? null,
      reason: entry.reason,
      outcome: entry.outcome,
    });
  };
}
export type AuditRecorder = ReturnType<typeof makeAuditRecorder>;
