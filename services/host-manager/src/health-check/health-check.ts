// One health-check cycle: refresh the inventory, judge every host, respect the
// storm guard, run the remediations and the rollout's replacements with bounded
// concurrency, and record it all.
import type { Logger } from "pino";
import { classifyFailure } from "../adapters/cloud/errors";
import { describeError, mapLimit } from "../adapters/cloud/retry";
import type { CycleStore } from "../adapters/storage/cycles";
import type { HostStore } from "../adapters/storage/hosts";
import type { PendingRemoval, RemovalQueue } from "../adapters/storage/removals";
import type { Clock } from "../clock";
import { isJudged } from "../domain/assessment";
import type { CloudDriver, RemovalAccepted, ReplaceMode } from "../domain/cloud";
import {
  abandonedCycle,
  summarizeCycle,
  type CycleAction,
  type CycleFacts,
  type CycleRemovals,
  type CycleSummary,
} from "../domain/cycle";
import type { HealthContext, HealthSettings } from "../domain/health-context";
import type { CycleHost } from "../domain/host";
import { planRemediation, type PlannedAction, type RemediationPlan } from "../domain/ladder";
import { isRolloutCandidate, planRollout, type RolloutSettings } from "../domain/rollout";
import { dryRunAction, runCloudAction, type ActionBase } from "./cloud-action";
import { DeadlineError, withDeadline } from "./deadline";
import type { Inventory } from "./inventory";
import { flushRemovals } from "./removals";

const ROLLOUT_REASON = "outdated-generation";

type Work =
  | { kind: "remediate"; planned: PlannedAction }
  | { kind: "rollout"; host: CycleHost; generation: string };

/** No rollout configured: no generation to roll towards (and no share to spend). */
const NO_ROLLOUT: RolloutSettings = { generation: null, minHealthyPercentage: 100 };

export interface HealthCheckDeps {
  readonly store: HostStore;
  readonly cycles: CycleStore;
  readonly cloud: CloudDriver;
  /** Remove mode: the replaces asked of ESS and not yet accepted. */
  readonly removals: RemovalQueue;
  readonly inventory: Inventory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: HealthSettings;
  readonly replaceMode: ReplaceMode;
  readonly dryRun: boolean;
  /** Rolling replacement by generation; absent or with a null generation, none. */
  readonly rollout?: RolloutSettings;
  /** When this process began watching the hosts (the start-up grace). */
  readonly observingSince: number;
  /** Cloud calls in flight at once. Defaults to 8. */
  readonly concurrency?: number;
  /**
   * How long a cycle may take (defaults to 4 minutes, under the default 5-minute
   * schedule): past it the cycle is abandoned, recorded as such, and stops at its next step.
   */
  readonly cycleDeadlineMs?: number;
  /**
   * Told about each recorded cycle (metrics, Statuspage). It must not block: the next
   * cycle waits for this one. Its errors are logged, never fail the cycle.
   */
  readonly onCycleDone?: (summary: CycleSummary) => void;
}

export class HealthCheck {
  private running: Promise<CycleSummary> | undefined;
  /** Cycles still going after their deadline, until they reach their next step. */
  private readonly abandoned = new Set<Promise<unknown>>();
  private lastAbandonedAt: number | null = null;
  private readonly rollout: RolloutSettings;
  private watchingSince: number;

  constructor(private readonly deps: HealthCheckDeps) {
    this.rollout = deps.rollout ?? NO_ROLLOUT;
    this.watchingSince = deps.observingSince;
  }

  /** Since when this process has watched the hosts: no timeout runs from before it. */
  get observingSince(): number {
    return this.watchingSince;
  }

  /**
   * Restarts the start-up grace at `at`: after a takeover of the lease, this manager
   * took no reports while passive, so no host is blamed for the time before.
   */
  observeFrom(at: number): void {
    this.watchingSince = at;
  }

  /**
   * Runs a cycle, or joins the one already running: cycles never overlap. A cycle past
   * its deadline is abandoned: this resolves with its record, the next call starts a new
   * cycle, and the old one stops before its next step (its cloud calls in flight end on
   * their own timeouts, and what they did is recorded on the hosts).
   */
  run(): Promise<CycleSummary> {
    if (!this.running) {
      const startedAt = this.deps.clock.now();
      const controller = new AbortController();
      const cycle = this.runCycle(controller.signal);
      const deadlineMs = this.deps.cycleDeadlineMs ?? 240_000;
      this.running = withDeadline(cycle, deadlineMs, "health-check cycle", controller)
        .then(
          (summary) => {
            this.lastAbandonedAt = null;
            return summary;
          },
          (error: unknown) => {
            if (!(error instanceof DeadlineError)) throw error;
            const settled = cycle
              .catch(() => undefined)
              .finally(() => this.abandoned.delete(settled));
            this.abandoned.add(settled);
            return this.recordAbandoned(startedAt, error.message);
          },
        )
        .finally(() => {
          this.running = undefined;
        });
    }
    return this.running;
  }

  /** Resolves when no cycle is in flight, abandoned ones included. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
    await Promise.all(this.abandoned);
  }

  /** When the last cycle was abandoned at its deadline; null once one finished since. */
  abandonedAt(): number | null {
    return this.lastAbandonedAt;
  }

  private recordAbandoned(startedAt: number, reason: string): CycleSummary {
    const { clock, cycles, logger, dryRun } = this.deps;
    const summary = abandonedCycle(cycles.latest(1)[0], {
      startedAt,
      finishedAt: clock.now(),
      dryRun,
      reason,
    });
    this.lastAbandonedAt = summary.finishedAt;
    logger.error(
      { startedAt: new Date(startedAt).toISOString(), reason },
      "health check cycle abandoned",
    );
    cycles.add(summary);
    this.notify(summary);
    return summary;
  }

  private notify(summary: CycleSummary): void {
    try {
      this.deps.onCycleDone?.(summary);
    } catch (error) {
      this.deps.logger.error({ err: describeError(error) }, "cycle listener failed");
    }
  }

  /** The time and thresholds the health rules judge against, as of now. */
  private contextNow(): HealthContext {
    const { clock, settings } = this.deps;
    return { now: clock.now(), observingSince: this.watchingSince, settings };
  }

  private async runCycle(signal: AbortSignal): Promise<CycleSummary> {
    const { store, clock, logger, dryRun } = this.deps;
    const startedAt = clock.now();
    const inventory = await this.refreshInventory();
    signal.throwIfAborted();
    const context = this.contextNow();
    const hosts = store.listActiveForCycle();
    const queued = this.deps.removals.list();
    const restoredAt = this.deps.inventory.restoredAt();
    const plan = planRemediation(hosts, context, {
      queuedRemovals: new Set(queued.map((r) => r.instanceId)),
      restoredAt,
    });
    const rollout = planRollout(hosts, context, this.rollout, plan.stormGuardOpen, {
      queuedRemovals: new Set(
        queued.filter((r) => r.origin === "rollout").map((r) => r.instanceId),
      ),
      restoredAt,
    });
    const recovered = this.recordBookkeeping(plan.bookkeeping, context.now);
    const acting = "change" in inventory && !plan.stormGuardOpen;
    let actions = acting ? await this.runActions(plan.actions, rollout.replace, signal) : [];
    let removals: CycleRemovals | undefined;
    if (acting && this.deps.replaceMode === "remove" && !dryRun) {
      signal.throwIfAborted();
      ({ actions, removals } = await this.sendRemovals(actions));
    }
    signal.throwIfAborted();
    const summary = summarizeCycle({
      startedAt,
      finishedAt: clock.now(),
      dryRun,
      inventory,
      plan,
      rolloutSettings: this.rollout,
      rollout,
      actions,
      ...(removals ? { removals } : {}),
      recovered,
    });
    if (summary.stormGuardOpen) {
      logger.warn(
        { unhealthy: summary.unhealthy, maxUnhealthy: summary.maxUnhealthy, total: summary.total },
        "storm guard open: more hosts unhealthy than allowed, remediating none",
      );
    }
    if (summary.rollout?.held === "storm-guard") {
      logger.warn({ outdated: summary.outdated }, "storm guard open: rollout replacing none");
    }
    this.deps.cycles.add(summary);
    this.notify(summary);
    logger.info(
      {
        total: summary.total,
        unhealthy: summary.unhealthy,
        outdated: summary.outdated,
        actions: actions.length,
        recovered: recovered.length,
        stormGuardOpen: summary.stormGuardOpen,
      },
      "health check cycle done",
    );
    return summary;
  }

  /** Lists the scaling group; a failure is logged and stops this cycle's actions. */
  private async refreshInventory(): Promise<CycleFacts["inventory"]> {
    try {
      return { change: await this.deps.inventory.refresh() };
    } catch (error) {
      const message = describeError(error);
      this.deps.logger.error(
        { err: message },
        "inventory refresh failed; no remediation this cycle",
      );
      return { error: message };
    }
  }

  /**
   * Sends the queued removals (this cycle's and those ESS has not accepted before) and
   * brings the cycle's actions up to date with what ESS accepted.
   */
  private async sendRemovals(
    actions: CycleAction[],
  ): Promise<{ actions: CycleAction[]; removals: CycleRemovals | undefined }> {
    const { store, clock, logger, cloud } = this.deps;
    const flush = await flushRemovals(
      {
        queue: this.deps.removals,
        cloud,
        clock,
        logger,
        onAccepted: (removal, answer, at) => this.recordRemoval(removal, answer, at),
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
  private recordRemoval(removal: PendingRemoval, answer: RemovalAccepted, at: number): void {
    const { store } = this.deps;
    const detail = [
      removal.detail,
      "mode=remove",
      answer.activityId && `activity ${answer.activityId}`,
    ]
      .filter(Boolean)
      .join("; ");
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

  /** Records recoveries and forgotten attempts; returns the hosts that recovered. */
  private recordBookkeeping(bookkeeping: RemediationPlan["bookkeeping"], now: number): string[] {
    const recovered: string[] = [];
    for (const { host, step } of bookkeeping) {
      const patch = {
        remediationState: "none" as const,
        remediationAttempts: step.kind === "reset-attempts" ? 0 : host.remediationAttempts,
        lastRemediationAt: host.lastRemediationAt,
      };
      const event =
        step.kind === "recovered"
          ? { at: now, action: "recovered", outcome: "ok", reason: null, detail: null }
          : null;
      if (this.deps.store.recordRemediation(host.instanceId, host.version, patch, event)) {
        if (step.kind === "recovered") recovered.push(host.instanceId);
      }
    }
    return recovered;
  }

  /**
   * The ladder's actions, then the rollout's, in one pool of `concurrency` cloud calls;
   * once `signal` aborts (the cycle's deadline), no further one starts.
   */
  private runActions(
    remediations: readonly PlannedAction[],
    outdated: readonly CycleHost[],
    signal: AbortSignal,
  ): Promise<CycleAction[]> {
    const { generation } = this.rollout;
    const work: Work[] = [
      ...remediations.map((planned): Work => ({ kind: "remediate", planned })),
      ...(generation === null
        ? []
        : outdated.map((host): Work => ({ kind: "rollout", host, generation }))),
    ];
    return mapLimit(work, this.deps.concurrency ?? 8, (item) => {
      signal.throwIfAborted();
      return item.kind === "remediate"
        ? this.remediate(item.planned)
        : this.rollOut(item.host, item.generation);
    });
  }

  /** One rung of the ladder. */
  private remediate({ host, step }: PlannedAction): Promise<CycleAction> {
    const { store, cloud, logger, dryRun, replaceMode } = this.deps;
    const base = { instanceId: host.instanceId, action: step.kind, reason: step.reason } as const;
    const dryRunMessage = "would remediate host (dry run)";
    // Giving up is bookkeeping, not a cloud call.
    if (step.kind === "mark-failed") {
      return Promise.resolve(
        dryRun ? dryRunAction(logger, base, dryRunMessage) : this.markFailed(host, base),
      );
    }
    return runCloudAction(this.deps, {
      base,
      replaces: step.kind === "replace",
      messages: {
        dryRun: dryRunMessage,
        failed: "remediation call failed; nothing recorded",
        done: "remediated host",
      },
      // A report that arrived since the plan was made may have changed the picture.
      isStale: () => store.get(host.instanceId)?.version !== host.version,
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
        store.recordRemediationRetrying(
          host.instanceId,
          (current) => ({
            remediationState: attempt.action === "reboot" ? "rebooting" : "replacing",
            remediationAttempts: current.remediationAttempts + 1,
            lastRemediationAt: event.at,
          }),
          event,
        );
        if (attempt.queued) {
          this.deps.removals.add({
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

  /** At the retry limit: the host is left alone, and shown as failed. */
  private markFailed(host: CycleHost, base: ActionBase): CycleAction {
    const { store, clock, logger } = this.deps;
    const recorded = store.recordRemediation(
      host.instanceId,
      host.version,
      {
        remediationState: "failed",
        remediationAttempts: host.remediationAttempts,
        lastRemediationAt: host.lastRemediationAt,
      },
      { at: clock.now(), action: base.action, outcome: "ok", reason: base.reason, detail: null },
    );
    if (recorded) logger.warn(base, "host failed: retry limit reached, no further action");
    return { ...base, outcome: recorded ? "ok" : "skipped" };
  }

  /** Has ESS replace a healthy host of an older generation (the rollout's one action). */
  private rollOut(host: CycleHost, generation: string): Promise<CycleAction> {
    const { store, cloud, replaceMode } = this.deps;
    return runCloudAction(this.deps, {
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
        return !current || !isRolloutCandidate(current, this.contextNow(), generation);
      },
      call: async (attempt) => {
        if (replaceMode === "remove") attempt.queued = true;
        else await cloud.replaceInstance(host.instanceId, replaceMode);
      },
      record: (attempt, event) => {
        if (!attempt.queued) {
          store.recordRolloutReplace(host.instanceId, event);
          return;
        }
        store.addEvent({ instanceId: host.instanceId, ...event });
        this.deps.removals.add({
          instanceId: host.instanceId,
          origin: "rollout",
          reason: ROLLOUT_REASON,
          detail: `generation ${host.generation} -> ${generation}`,
          requestedAt: event.at,
        });
      },
    });
  }
}
