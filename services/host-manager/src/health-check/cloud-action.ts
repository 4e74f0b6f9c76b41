// One cloud action of a cycle (a rung of the ladder, or a rollout's replace), carried
// out the same way whoever asked for it: in a dry run only reported; skipped if the host
// changed since the plan; a failed call kept in the host's history as an error and never
// recorded as done; a call that happened recorded even if a report raced it. With an
// intent (the ladder's rungs), what the call will do is recorded before it is made: a
// call the API refused outright takes it back, one with no answer keeps it (the call may
// have been carried out, and is never made again).
import type { Logger } from "pino";
import { classifyFailure } from "../adapters/cloud/errors";
import type { HostStore } from "../adapters/storage/hosts";
import type { Clock } from "../clock";
import type { ReplaceMode } from "../domain/cloud";
import type { CycleAction } from "../domain/cycle";
import type { RemediationEvent } from "../domain/host";

/** What a cycle's action always shows: the host, the action planned and why. */
export interface ActionBase {
  readonly instanceId: string;
  readonly action: CycleAction["action"];
  readonly reason: string;
  /** What the action is about (a rollout's generations), shown whatever the outcome. */
  readonly detail?: string;
}

/**
 * What a call did, updated as it goes, so that a failure is recorded as what was
 * being attempted: a refused reboot escalates to a replace.
 */
export interface Attempt {
  action: CycleAction["action"];
  /** The call ended in a replace (the event notes the replace mode). */
  replaces: boolean;
  /** Why the action differs from the plan; shown on the cycle's action when it worked. */
  escalation: string | null;
  /**
   * The replace was queued for the cycle's RemoveInstances calls instead of made
   * (remove mode): recorded as pending, and as done once ESS accepts it.
   */
  queued: boolean;
}

export interface CloudActionDeps {
  readonly store: Pick<HostStore, "addEvent">;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dryRun: boolean;
  readonly replaceMode: ReplaceMode;
}

export interface CloudActionSpec {
  readonly base: ActionBase;
  /** Whether the first call replaces (the ladder's second rung, a rollout). */
  readonly replaces: boolean;
  readonly messages: { readonly dryRun: string; readonly failed: string; readonly done: string };
  /** A report since the plan changed the picture: do nothing. */
  readonly isStale: () => boolean;
  /** The cloud call; it may escalate `attempt`. */
  readonly call: (attempt: Attempt) => Promise<void>;
  /**
   * Records the action that happened, with its history entry; with an intent, also one
   * whose answer was lost (the event's outcome `unknown`).
   */
  readonly record: (attempt: Attempt, event: Omit<RemediationEvent, "instanceId">) => void;
  /** What the call is about to do, recorded before it is made; replaces `isStale`. */
  readonly intent?: ActionIntent;
}

export interface ActionIntent {
  /** Records the intent if the host did not change since the plan; false if it did. */
  readonly begin: () => boolean;
  /** The API refused the call: the intent taken back, the refusal in the host's history. */
  readonly undo: (event: Omit<RemediationEvent, "instanceId">) => void;
}

/** In a dry run, what would have been done: logged and reported, nothing changed. */
export function dryRunAction(logger: Logger, base: ActionBase, message: string): CycleAction {
  logger.info({ ...base, dryRun: true }, message);
  return { ...base, outcome: "dry-run" };
}

export async function runCloudAction(
  deps: CloudActionDeps,
  spec: CloudActionSpec,
): Promise<CycleAction> {
  const { store, clock, logger, replaceMode } = deps;
  const { base, messages } = spec;
  if (deps.dryRun) return dryRunAction(logger, base, messages.dryRun);
  if (spec.intent ? !spec.intent.begin() : spec.isStale()) return { ...base, outcome: "skipped" };
  const attempt: Attempt = {
    action: base.action,
    replaces: spec.replaces,
    escalation: null,
    queued: false,
  };
  const details = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join("; ");
  try {
    await spec.call(attempt);
  } catch (error) {
    const failure = classifyFailure(error);
    const message = failure.message;
    // `alert`: permissions, keys, signature, the clock, or something answering for the
    // API: nothing the host did, and nothing another try of this cycle would mend.
    const event = {
      at: clock.now(),
      action: attempt.action,
      outcome: "error",
      reason: base.reason,
      detail: details(base.detail, attempt.escalation, message),
    };
    // No answer: the call may have been carried out. Counted as made (its cooldown
    // running), so that it is neither resent nor forgotten.
    if (spec.intent && failure.kind === "unknown") {
      logger.warn(
        { ...base, action: attempt.action, err: message },
        "no answer to the call: counted as made, not resent",
      );
      spec.record(attempt, {
        ...event,
        outcome: "unknown",
        detail: details(event.detail, "no answer: may have been carried out; not resent"),
      });
      return { ...base, action: attempt.action, outcome: "unknown", error: message };
    }
    logger.error(
      { ...base, err: message, kind: failure.kind, alert: failure.alert },
      messages.failed,
    );
    if (spec.intent) spec.intent.undo(event);
    else store.addEvent({ instanceId: base.instanceId, ...event });
    return { ...base, action: attempt.action, outcome: "error", error: message };
  }
  const outcome = attempt.queued ? "pending" : "ok";
  spec.record(attempt, {
    at: clock.now(),
    action: attempt.action,
    outcome,
    reason: base.reason,
    detail: details(
      base.detail,
      attempt.escalation,
      attempt.replaces ? `mode=${replaceMode}` : null,
      attempt.queued ? "queued for RemoveInstances" : null,
    ),
  });
  if (!attempt.queued) logger.info({ ...base, action: attempt.action }, messages.done);
  return {
    ...base,
    action: attempt.action,
    outcome,
    ...(attempt.escalation ? { detail: attempt.escalation } : {}),
  };
}
