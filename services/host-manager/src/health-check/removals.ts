// Carries out the queued removals (remove mode) in as few RemoveInstances calls as ESS
// takes: at most 20 ids a call, one call at a time (each starts a scaling activity, and
// ESS refuses another while one runs). What ESS does not accept stays queued for the
// next cycle; a request that may have reached ESS unanswered is resent as it was, with
// its ClientToken, so it cannot remove twice.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { classifyFailure, errorCode } from "../adapters/cloud/errors";
import type { HostStore } from "../adapters/storage/hosts";
import type { PendingRemoval, RemovalQueue } from "../adapters/storage/removals";
import type { Clock } from "../clock";
import { isJudged } from "../domain/assessment";
import { REMOVE_BATCH, type CloudDriver, type RemovalAccepted } from "../domain/cloud";
import type { CycleAction, CycleRemovals } from "../domain/cycle";

export interface RemovalFlushDeps {
  readonly queue: RemovalQueue;
  readonly cloud: CloudDriver;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Records an accepted removal in the host's history and state. */
  readonly onAccepted: (removal: PendingRemoval, accepted: RemovalAccepted, at: number) => void;
  readonly newToken?: () => string;
}

export interface RemovalFlush {
  /** Accepted by ESS in this flush, queued in this cycle or before. */
  readonly accepted: PendingRemoval[];
  /** Still queued after it. */
  readonly pending: PendingRemoval[];
  /** RemoveInstances calls made. */
  readonly calls: number;
  /** Why the last call that was not accepted was not. */
  readonly error?: string;
}

/** Splits `items` into runs of at most `size`, in order. */
function chunk<T>(items: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let i = 0; i < items.length; i += size) runs.push(items.slice(i, i + size));
  return runs;
}

/**
 * Sends the queue to ESS. `wanted` says whether a removal still makes sense (the host is
 * still in the group and still to be replaced); the others are dropped unsent.
 */
export async function flushRemovals(
  deps: RemovalFlushDeps,
  wanted: (removal: PendingRemoval) => boolean,
): Promise<RemovalFlush> {
  const { queue, cloud, clock, logger } = deps;
  const newToken = deps.newToken ?? randomUUID;
  const queued = queue.list();
  const moot = queued.filter((removal) => !wanted(removal));
  queue.delete(moot.map((removal) => removal.instanceId));
  const live = queued.filter(wanted);
  // Without a batch call (a test double), one replaceInstance per host.
  const batchSize = cloud.removeInstances ? REMOVE_BATCH : 1;
  const remove = (ids: readonly string[], token: string): Promise<RemovalAccepted> =>
    cloud.removeInstances
      ? cloud.removeInstances(ids, token)
      : cloud.replaceInstance(ids[0] as string, "remove").then(() => ({ activityId: null }));
  // Requests that may have reached ESS unanswered go first, exactly as they were sent.
  const resend = new Map<string, PendingRemoval[]>();
  for (const removal of live.filter((r) => r.clientToken !== null)) {
    const token = removal.clientToken as string;
    resend.set(token, [...(resend.get(token) ?? []), removal]);
  }
  const batches: { rows: PendingRemoval[]; token?: string }[] = [
    ...[...resend].map(([token, rows]) => ({ rows, token })),
    ...chunk(
      live.filter((r) => r.clientToken === null),
      batchSize,
    ).map((rows) => ({ rows })),
  ];
  const accepted: PendingRemoval[] = [];
  let calls = 0;
  let error: string | undefined;
  let groupBusy = false;

  const send = async (rows: PendingRemoval[], token = newToken()): Promise<void> => {
    const ids = rows.map((row) => row.instanceId);
    queue.sending(ids, token);
    calls++;
    try {
      const answer = await remove(ids, token);
      const at = clock.now();
      queue.delete(ids);
      for (const row of rows) deps.onAccepted(row, answer, at);
      accepted.push(...rows);
      logger.info({ instanceIds: ids, activityId: answer.activityId }, "ESS accepted removals");
    } catch (thrown) {
      const failure = classifyFailure(thrown);
      // Fewer at once may fit above MinSize: try the first half; the rest waits for the
      // next cycle (once ESS has launched the replacements, TotalCapacity is back up).
      if (errorCode(thrown) === "IncorrectCapacity.MinSize" && rows.length > 1) {
        queue.notAccepted(ids, failure.message, false);
        await send(rows.slice(0, Math.ceil(rows.length / 2)));
        groupBusy = true;
        return;
      }
      queue.notAccepted(ids, failure.message, failure.kind === "unknown");
      error = failure.message;
      // The group will not take another removal this cycle.
      if (failure.kind === "busy") groupBusy = true;
      const log = failure.alert ? logger.error.bind(logger) : logger.warn.bind(logger);
      log(
        { instanceIds: ids, err: failure.message },
        "removals not accepted; kept for the next cycle",
      );
    }
  };

  for (const batch of batches) {
    if (groupBusy) break;
    await send(batch.rows, batch.token);
  }
  return { accepted, pending: queue.list(), calls, ...(error !== undefined ? { error } : {}) };
}

export interface SendRemovalsDeps {
  readonly queue: RemovalQueue;
  readonly store: Pick<
    HostStore,
    "get" | "recordRolloutReplace" | "recordRemediationRetrying" | "slots"
  >;
  readonly cloud: CloudDriver;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Sends the queued removals (this cycle's and those ESS has not accepted before) and
 * brings the cycle's actions up to date with what ESS accepted.
 */
export async function sendRemovals(
  deps: SendRemovalsDeps,
  actions: CycleAction[],
): Promise<{ actions: CycleAction[]; removals: CycleRemovals | undefined }> {
  const { store, clock, logger, cloud, queue } = deps;
  const flush = await flushRemovals(
    {
      queue,
      cloud,
      clock,
      logger,
      onAccepted: (removal, answer, at) => recordRemoval(store, removal, answer, at),
    },
    (removal) => {
      const host = store.get(removal.instanceId);
      if (!host || host.archivedAt !== null || !isJudged(host)) return false;
      // The ladder's is moot once the host recovered (or was given up on).
      return removal.origin === "rollout" || host.remediationState === "replacing";
    },
  );
  if (flush.calls === 0 && flush.pending.length === 0) return { actions, removals: undefined };
  const accepted = new Map(flush.accepted.map((r) => [r.instanceId, r]));
  const updated = actions.map((action) =>
    action.outcome === "pending" && accepted.delete(action.instanceId)
      ? { ...action, outcome: "ok" as const }
      : action,
  );
  // Accepted now, asked for in an earlier cycle.
  for (const removal of accepted.values()) {
    updated.push({
      instanceId: removal.instanceId,
      action: removal.origin === "rollout" ? "rollout-replace" : "replace",
      reason: removal.reason,
      outcome: "ok",
      detail: `queued ${new Date(removal.requestedAt).toISOString()}`,
    });
  }
  return {
    actions: updated,
    removals: {
      calls: flush.calls,
      accepted: flush.accepted.length,
      pending: flush.pending.length,
      ...(flush.error !== undefined ? { error: flush.error } : {}),
    },
  };
}

/** ESS accepted a queued removal: the replace happened, in the host's history and state. */
function recordRemoval(
  store: SendRemovalsDeps["store"],
  removal: PendingRemoval,
  answer: RemovalAccepted,
  at: number,
): void {
  const detail = [
    removal.detail,
    "mode=remove",
    answer.activityId && `activity ${answer.activityId}`,
  ]
    .filter(Boolean)
    .join("; ");
  // ESS took it: the slot goes on to the instance it launches.
  const neverCameUp = store.get(removal.instanceId)?.lastReportAt === null;
  store.slots.handOff(removal.instanceId, removal.origin, neverCameUp, at);
  if (removal.origin === "rollout") {
    store.recordRolloutReplace(removal.instanceId, {
      at,
      action: "rollout-replace",
      outcome: "ok",
      reason: removal.reason,
      detail,
    });
    return;
  }
  // The cooldown runs from the replace, not from when it was asked for.
  store.recordRemediationRetrying(
    removal.instanceId,
    (current) => ({
      remediationState: current.remediationState,
      remediationAttempts: current.remediationAttempts,
      lastRemediationAt: at,
    }),
    { at, action: "replace", outcome: "ok", reason: removal.reason, detail },
  );
}
