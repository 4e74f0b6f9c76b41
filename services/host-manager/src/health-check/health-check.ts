// One health-check cycle: refresh the inventory, judge every host, respect the
// storm guard, run the remediations and the rollout's replacements with bounded
// concurrency, and record it all.
import type { Logger } from "pino";
import { describeError, mapLimit } from "../adapters/cloud/retry";
import type { CycleStore } from "../adapters/storage/cycles";
import type { HoldStore } from "../adapters/storage/holds";
import type { HostStore } from "../adapters/storage/hosts";
import type { PendingRemoval, RemovalQueue } from "../adapters/storage/removals";
import type { Clock } from "../clock";
import { scaleInExcuse, type ResolvedSchedule } from "../domain/capacity-schedule";
import type { CloudDriver, ReplaceMode } from "../domain/cloud";
import {
  abandonedCycle,
  summarizeCycle,
  type CycleAction,
  type CycleFacts,
  type CycleRemovals,
  type CycleReplacements,
  type CycleSummary,
} from "../domain/cycle";
import { applyHolds, freezeAt, isFrozen, type FreezeWindow } from "../domain/freeze";
import type { HealthContext, HealthSettings } from "../domain/health-context";
import type { CycleHost } from "../domain/host";
import { planRemediation, type PlannedAction, type RemediationPlan } from "../domain/ladder";
import {
  DEFAULT_REPLACE_GUARD,
  guardReplacements,
  replaceBudget,
  type ReplaceGuardSettings,
} from "../domain/replace-guard";
import { planRollout, type RolloutSettings } from "../domain/rollout";
import { countSpot } from "../domain/spot";
import { DeadlineError, withDeadline } from "./deadline";
import type { Inventory } from "./inventory";
import { remediate, resumeInterrupted, rollOut } from "./host-actions";
import { sendRemovals } from "./removals";

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
  /** The fleet's freeze and the rollout's pause; absent, neither is ever in force. */
  readonly holds?: Pick<HoldStore, "freeze" | "rolloutPause">;
  /** Planned freeze windows: a time inside one is frozen. */
  readonly freezeWindows?: readonly FreezeWindow[];
  /** Scheduled capacity (UTC crons): hosts a scale-in removes are not remediated. */
  readonly capacitySchedules?: readonly ResolvedSchedule[];
  /** Rolling replacement by generation; absent or with a null generation, none. */
  readonly rollout?: RolloutSettings;
  /** When this process began watching the hosts (the start-up grace). */
  readonly observingSince: number;
  /** The hosts whose client a fleet job stopped (HealthContext.clientsStopped). */
  readonly clientsStopped?: () => ReadonlyMap<string, number>;
  /** The replacement budget and the slot breaker; defaults to DEFAULT_REPLACE_GUARD. */
  readonly replaceGuard?: ReplaceGuardSettings;
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
  /** Whether this process has taken up the remediations a stopped one left open. */
  private resumed = false;

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
    const clientsStopped = this.deps.clientsStopped?.();
    return {
      now: clock.now(),
      observingSince: this.watchingSince,
      settings,
      ...(clientsStopped ? { clientsStopped } : {}),
    };
  }

  private async runCycle(signal: AbortSignal): Promise<CycleSummary> {
    const { store, clock, logger, dryRun } = this.deps;
    const startedAt = clock.now();
    if (!this.resumed) {
      // Before any action of this process: the intents still open are a stopped one's.
      resumeInterrupted(this.deps);
      this.resumed = true;
    }
    const inventory = await this.refreshInventory();
    signal.throwIfAborted();
    const context = this.contextNow();
    const hosts = store.listActiveForCycle();
    const queued = this.deps.removals.list();
    const restoredAt = this.deps.inventory.restoredAt();
    const scaleIn = scaleInExcuse(this.deps.capacitySchedules ?? [], context.settings, context.now);
    const plan = planRemediation(hosts, context, {
      queuedRemovals: new Set(queued.map((r) => r.instanceId)),
      restoredAt,
      ...(scaleIn ? { scaleIn } : {}),
    });
    if (plan.scaledIn) {
      logger.info(
        { scaleIn, hosts: plan.scaledIn },
        "scheduled scale-in: silent hosts left to ESS, not remediated",
      );
    }
    const rollout = planRollout(hosts, context, this.rollout, plan.stormGuardOpen, {
      queuedRemovals: new Set(
        queued.filter((r) => r.origin === "rollout").map((r) => r.instanceId),
      ),
      restoredAt,
    });
    const recovered = this.recordBookkeeping(plan.bookkeeping, context.now);
    const acting = "change" in inventory && !plan.stormGuardOpen;
    const guarded = this.guardReplacements(plan, queued, context.now);
    const freeze = freezeAt(
      this.deps.holds?.freeze() ?? null,
      this.deps.freezeWindows ?? [],
      context.now,
    );
    const frozen = isFrozen(freeze, context.now);
    const pause = this.deps.holds?.rolloutPause() ?? null;
    // Detection went on above; the holds decide what of it is acted on.
    const allowed = applyHolds(
      {
        remediations: acting ? guarded.actions : [],
        rolloutReplace: acting ? rollout.replace : [],
        generation: this.rollout.generation,
        queuedRemovals: acting && this.deps.replaceMode === "remove" ? queued : [],
      },
      { frozen, paused: pause !== null },
    );
    let actions = acting
      ? await this.runActions(allowed.remediations, allowed.rolloutReplace, signal)
      : [];
    let removals: CycleRemovals | undefined;
    if (acting && allowed.sendRemovals && this.deps.replaceMode === "remove" && !dryRun) {
      signal.throwIfAborted();
      ({ actions, removals } = await sendRemovals(
        {
          queue: this.deps.removals,
          store: this.deps.store,
          cloud: this.deps.cloud,
          clock: this.deps.clock,
          logger: this.deps.logger,
        },
        actions,
      ));
    }
    const holds = {
      ...(frozen ? { frozen: freeze, heldByFreeze: allowed.heldByFreeze ?? [] } : {}),
      ...(pause ? { rolloutPaused: pause } : {}),
      ...(allowed.heldByRolloutPause ? { heldByRolloutPause: allowed.heldByRolloutPause } : {}),
    };
    if (frozen) {
      logger.warn(
        { until: new Date(freeze.endsAt).toISOString(), by: freeze.by, held: allowed.heldByFreeze },
        "fleet frozen: actions held",
      );
    } else if (allowed.heldByRolloutPause?.length) {
      logger.warn({ held: allowed.heldByRolloutPause }, "rollout paused: replacements held");
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
      replacements: guarded.replacements,
      failedSlots: store.slots.failed(),
      spot: countSpot(hosts, inventory, (id) => store.get(id)),
      holds,
    });
    if (guarded.replacements.held > 0) {
      logger.warn(guarded.replacements, "replacement budget spent: replaces held back");
    }
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

  /** The ladder's actions within the replacement budget, with the slot breaker applied. */
  private guardReplacements(
    plan: RemediationPlan,
    queued: readonly PendingRemoval[],
    now: number,
  ): { actions: PlannedAction[]; replacements: CycleReplacements } {
    const settings = this.deps.replaceGuard ?? DEFAULT_REPLACE_GUARD;
    const budget = replaceBudget(settings, plan.total);
    // Made or accepted in the window, and asked of ESS and not yet accepted.
    const used =
      this.deps.store.slots.replacementsSince("ladder", now - settings.windowMs) +
      queued.filter((removal) => removal.origin === "ladder").length;
    const guarded = guardReplacements(plan.actions, {
      settings,
      strikes: this.deps.store.slots.strikes(),
      remaining: Math.max(0, budget - used),
    });
    return {
      actions: guarded.actions,
      replacements: { budget, used, held: guarded.held, windowMs: settings.windowMs },
    };
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
        ? remediate(this.deps, item.planned)
        : rollOut(this.deps, item.host, item.generation, () => this.contextNow());
    });
  }
}
