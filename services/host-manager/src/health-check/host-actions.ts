// The cycle's actions on single hosts, each carried out by runCloudAction: a rung of the
// ladder (reboot, replace, or giving up at the retry limit) and a rollout's replace. In
// remove mode a replace is queued for the cycle's RemoveInstances calls (./removals)
// instead of made here.
import { classifyFailure } from "../adapters/cloud/errors";
import type { HostStore } from "../adapters/storage/hosts";
import type { RemovalQueue } from "../adapters/storage/removals";
import type { CloudDriver } from "../domain/cloud";
import type { CycleAction } from "../domain/cycle";
import type { HealthContext } from "../domain/health-context";
import type { CycleHost } from "../domain/host";
import type { PlannedAction } from "../domain/ladder";
import { SLOT_BREAKER } from "../domain/replace-guard";
import { isRolloutCandidate } from "../domain/rollout";
import {
  dryRunAction,
  runCloudAction,
  type ActionBase,
  type CloudActionDeps,
} from "./cloud-action";

const ROLLOUT_REASON = "outdated-generation";

export interface HostActionDeps extends CloudActionDeps {
  readonly store: HostStore;
  readonly cloud: CloudDriver;
  /** Remove mode: where a replace is queued for the cycle's RemoveInstances calls. */
  readonly removals: RemovalQueue;
}

/** One rung of the ladder. */
export function remediate(
  deps: HostActionDeps,
  { host, step }: PlannedAction,
): Promise<CycleAction> {
  const { store, cloud, logger, dryRun, replaceMode } = deps;
  const base = { instanceId: host.instanceId, action: step.kind, reason: step.reason } as const;
  const dryRunMessage = "would remediate host (dry run)";
  // Giving up is bookkeeping, not a cloud call.
  if (step.kind === "mark-failed") {
    return Promise.resolve(
      dryRun
        ? dryRunAction(logger, base, dryRunMessage)
        : markFailed(deps, host, base, step.detail),
    );
  }
  return runCloudAction(deps, {
    base,
    replaces: step.kind === "replace",
    messages: {
      dryRun: dryRunMessage,
      failed: "remediation call failed; nothing recorded",
      done: "remediated host",
    },
    // A report that arrived since the plan was made may have changed the picture.
    isStale: () => store.get(host.instanceId)?.version !== host.version,
    // The attempt counted and the cooldown started before the call, so that neither a
    // crash nor a lost answer makes it again (begin() checks the version too).
    intent: {
      begin: () =>
        store.intents.begin(
          host.instanceId,
          host.version,
          {
            remediationState: step.kind === "reboot" ? "rebooting" : "replacing",
            remediationAttempts: host.remediationAttempts + 1,
            lastRemediationAt: deps.clock.now(),
          },
          { action: step.kind, reason: step.reason, at: deps.clock.now() },
        ),
      undo: (event) => store.intents.undo(host.instanceId, event),
    },
    call: async (attempt) => {
      if (step.kind === "replace") {
        if (replaceMode === "remove") attempt.queued = true;
        else await cloud.replaceInstance(host.instanceId, replaceMode);
        return;
      }
      try {
        await cloud.rebootInstance(host.instanceId);
      } catch (error) {
        const failure = classifyFailure(error);
        // Starting or stopping already: a reboot is under way (perhaps our own, its
        // answer lost); it counts as this rung, and the cooldown gives it time.
        if (failure.kind === "restarting") {
          attempt.escalation = `already restarting (${failure.message})`;
          return;
        }
        // Only a refusal that says this host cannot be rebooted goes to the next rung at
        // once; any other error says nothing about the host, and nothing is done.
        if (failure.kind !== "cannot-reboot") throw error;
        attempt.action = "replace";
        attempt.replaces = true;
        attempt.escalation = `reboot refused (${failure.message})`;
        if (replaceMode === "remove") attempt.queued = true;
        else await cloud.replaceInstance(host.instanceId, replaceMode);
      }
    },
    record: (attempt, event) => {
      // The attempt was counted at begin(); the cooldown runs from the call's end.
      store.intents.complete(
        host.instanceId,
        (current) => ({
          remediationState: attempt.action === "reboot" ? "rebooting" : "replacing",
          remediationAttempts: current.remediationAttempts,
          lastRemediationAt: event.at,
        }),
        event,
      );
      // Replaced (or perhaps, its answer lost): the slot goes on to the next new host.
      if (attempt.action === "replace" && !attempt.queued) {
        store.slots.handOff(host.instanceId, "ladder", host.lastReportAt === null, event.at);
      }
      if (attempt.queued) {
        deps.removals.add({
          instanceId: host.instanceId,
          origin: "ladder",
          reason: step.reason,
          detail: attempt.escalation,
          requestedAt: event.at,
        });
      }
    },
  });
}

/**
 * Remediations a stopped manager began and never saw the answer to (their intents still
 * open): kept as made, with their attempt and cooldown, and never made again; the
 * ladder goes on from there. Run before the first cycle acts. Returns their hosts.
 */
export function resumeInterrupted(
  deps: Pick<HostActionDeps, "store" | "clock" | "logger">,
): string[] {
  const { store, clock, logger } = deps;
  return store.intents.open().map((intent) => {
    store.intents.complete(intent.instanceId, (current) => current, {
      at: clock.now(),
      action: intent.action,
      outcome: "unknown",
      reason: intent.reason,
      detail: `interrupted: begun ${new Date(intent.startedAt).toISOString()}, its answer never recorded; counted as made, not repeated`,
    });
    logger.warn(
      { instanceId: intent.instanceId, action: intent.action },
      "remediation interrupted by a stop: counted as made, not repeated",
    );
    return intent.instanceId;
  });
}

/** At the retry limit: the host is left alone, and shown as failed. */
function markFailed(
  deps: HostActionDeps,
  host: CycleHost,
  base: ActionBase,
  detail: string | undefined,
): CycleAction {
  const { store, clock, logger } = deps;
  const now = clock.now();
  const recorded = store.recordRemediation(
    host.instanceId,
    host.version,
    {
      remediationState: "failed",
      remediationAttempts: host.remediationAttempts,
      lastRemediationAt: host.lastRemediationAt,
    },
    { at: now, action: base.action, outcome: "ok", reason: base.reason, detail: detail ?? null },
  );
  if (!recorded) return { ...base, outcome: "skipped" };
  if (base.reason === SLOT_BREAKER) {
    store.slots.markFailed(host.instanceId, detail ?? SLOT_BREAKER, now);
    logger.warn({ ...base, detail }, "slot failed: its new hosts never come up, not replacing");
  } else {
    logger.warn(base, "host failed: retry limit reached, no further action");
  }
  return { ...base, outcome: "ok", ...(detail ? { detail } : {}) };
}

/**
 * Has ESS replace a healthy host of an older generation (the rollout's one action);
 * `contextNow` is what the host is judged against when the call is about to be made.
 */
export function rollOut(
  deps: HostActionDeps,
  host: CycleHost,
  generation: string,
  contextNow: () => HealthContext,
): Promise<CycleAction> {
  const { store, cloud, replaceMode } = deps;
  return runCloudAction(deps, {
    base: {
      instanceId: host.instanceId,
      action: "rollout-replace",
      reason: ROLLOUT_REASON,
      detail: `generation ${host.generation} -> ${generation}`,
    },
    replaces: true,
    messages: {
      dryRun: "would replace outdated host (dry run)",
      failed: "rollout replace failed; nothing recorded",
      done: "replaced outdated host",
    },
    // A report since the plan may have made it unhealthy (the ladder's then) or changed it.
    isStale: () => {
      const current = store.get(host.instanceId);
      return !current || !isRolloutCandidate(current, contextNow(), generation);
    },
    call: async (attempt) => {
      if (replaceMode === "remove") attempt.queued = true;
      else await cloud.replaceInstance(host.instanceId, replaceMode);
    },
    record: (attempt, event) => {
      if (!attempt.queued) {
        store.recordRolloutReplace(host.instanceId, event);
        store.slots.handOff(host.instanceId, "rollout", false, event.at);
        return;
      }
      store.addEvent({ instanceId: host.instanceId, ...event });
      deps.removals.add({
        instanceId: host.instanceId,
        origin: "rollout",
        reason: ROLLOUT_REASON,
        detail: `generation ${host.generation} -> ${generation}`,
        requestedAt: event.at,
      });
    },
  });
}
