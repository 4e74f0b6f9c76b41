// One health-check cycle: refresh the inventory, judge every host, respect the
// storm guard, run the remediations and the rollout's replacements with bounded
// concurrency, and record it all.
import type { Logger } from "pino";
import type { Clock } from "../clock";
import { describeError, isRetryable, mapLimit } from "../adapters/cloud/retry";
import type { CloudDriver, InventoryChange, ReplaceMode } from "../domain/cloud";
import type { CycleAction, CycleRollout, CycleSummary } from "../domain/cycle";
import type { CycleHost } from "../domain/host";
import type { CycleStore } from "../adapters/storage/cycles";
import type { HostStore } from "../adapters/storage/hosts";
import type { Inventory } from "./inventory";
import type { HealthContext, HealthSettings } from "../domain/health-context";
import { planRemediation, type PlannedAction } from "../domain/ladder";
import { isRolloutCandidate, planRollout, type RolloutSettings } from "../domain/rollout";

const ROLLOUT_REASON = "outdated-generation";

type Work = { kind: "remediate"; planned: PlannedAction } | { kind: "rollout"; host: CycleHost };

export interface HealthCheckDeps {
  readonly store: HostStore;
  readonly cycles: CycleStore;
  readonly cloud: CloudDriver;
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
   * Told about each recorded cycle (metrics, Statuspage). It must not block: the next
   * cycle waits for this one. Its errors are logged, never fail the cycle.
   */
  readonly onCycleDone?: (summary: CycleSummary) => void;
}

export class HealthCheck {
  private running: Promise<CycleSummary> | undefined;

  constructor(private readonly deps: HealthCheckDeps) {}

  /** Runs a cycle, or joins the one already running: cycles never overlap. */
  run(): Promise<CycleSummary> {
    if (!this.running) {
      this.running = this.runCycle().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** The time and thresholds the health rules judge against, as of now. */
  private contextNow(): HealthContext {
    const { clock, observingSince, settings } = this.deps;
    return { now: clock.now(), observingSince, settings };
  }

  /** Resolves when no cycle is in flight. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async runCycle(): Promise<CycleSummary> {
    const { store, clock, logger, dryRun } = this.deps;
    const startedAt = clock.now();
    let inventory: InventoryChange | undefined;
    let inventoryError: string | undefined;
    try {
      inventory = await this.deps.inventory.refresh();
    } catch (error) {
      inventoryError = describeError(error);
      logger.error({ err: inventoryError }, "inventory refresh failed; no remediation this cycle");
    }
    const context = this.contextNow();
    const { now } = context;
    const hosts = store.listActiveForCycle();
    const plan = planRemediation(hosts, context);
    const generation = this.deps.rollout?.generation ?? null;
    const rollout = planRollout(
      hosts,
      context,
      { generation, minHealthyPercentage: this.deps.rollout?.minHealthyPercentage ?? 100 },
      plan.stormGuardOpen,
    );
    const recovered: string[] = [];
    for (const { host, step } of plan.bookkeeping) {
      const patch = {
        remediationState: "none" as const,
        remediationAttempts: step.kind === "reset-attempts" ? 0 : host.remediationAttempts,
        lastRemediationAt: host.lastRemediationAt,
      };
      const event =
        step.kind === "recovered"
          ? { at: now, action: "recovered", outcome: "ok", reason: null, detail: null }
          : null;
      if (store.recordRemediation(host.instanceId, host.version, patch, event)) {
        if (step.kind === "recovered") recovered.push(host.instanceId);
      }
    }
    let actions: CycleAction[] = [];
    if (inventoryError === undefined && !plan.stormGuardOpen) {
      // One pool for both, so the cloud never sees more than `concurrency` calls at once.
      const work: Work[] = [
        ...plan.actions.map((planned): Work => ({ kind: "remediate", planned })),
        ...(generation === null
          ? []
          : rollout.replace.map((host): Work => ({ kind: "rollout", host }))),
      ];
      actions = await mapLimit(work, this.deps.concurrency ?? 8, (item) =>
        item.kind === "remediate"
          ? this.act(item.planned)
          : this.rollOut(item.host, generation as string),
      );
    }
    if (plan.stormGuardOpen) {
      logger.warn(
        { unhealthy: plan.unhealthy, maxUnhealthy: plan.maxUnhealthy, total: plan.total },
        "storm guard open: more hosts unhealthy than allowed, remediating none",
      );
    }
    let rolloutRecord: CycleRollout | undefined;
    if (generation !== null) {
      const held =
        rollout.held ??
        (inventoryError !== undefined && rollout.outdated > 0 ? "inventory-error" : undefined);
      rolloutRecord = {
        generation,
        minHealthyPercentage: this.deps.rollout?.minHealthyPercentage ?? 100,
        healthy: rollout.healthy,
        minHealthy: rollout.minHealthy,
        inFlight: rollout.inFlight,
        budget: rollout.budget,
        ...(held ? { held } : {}),
      };
      if (held === "storm-guard") {
        logger.warn({ outdated: rollout.outdated }, "storm guard open: rollout replacing none");
      }
    }
    const summary: CycleSummary = {
      startedAt,
      finishedAt: clock.now(),
      total: plan.total,
      healthy: plan.healthy,
      unhealthy: plan.unhealthy,
      remediating: plan.remediating,
      failed: plan.failed,
      outdated: rollout.outdated,
      maxUnhealthy: plan.maxUnhealthy,
      stormGuardOpen: plan.stormGuardOpen,
      dryRun,
      ...(rolloutRecord ? { rollout: rolloutRecord } : {}),
      inventory: {
        added: inventory?.added.length ?? 0,
        archived: inventory?.archived.length ?? 0,
        restored: inventory?.restored.length ?? 0,
        ...(inventoryError !== undefined ? { error: inventoryError } : {}),
      },
      actions,
      recovered,
      unhealthyHosts: plan.unhealthyHosts,
      ...(inventoryError !== undefined ? { error: `inventory: ${inventoryError}` } : {}),
    };
    this.deps.cycles.add(summary);
    try {
      this.deps.onCycleDone?.(summary);
    } catch (error) {
      logger.error({ err: describeError(error) }, "cycle listener failed");
    }
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

  private async act({ host, step }: PlannedAction): Promise<CycleAction> {
    const { store, cloud, clock, logger, dryRun, replaceMode } = this.deps;
    const action = step.kind === "mark-failed" ? "mark-failed" : step.kind;
    const base = { instanceId: host.instanceId, action, reason: step.reason } as const;
    if (dryRun) {
      logger.info({ ...base, dryRun: true }, "would remediate host (dry run)");
      return { ...base, outcome: "dry-run" };
    }
    if (step.kind === "mark-failed") {
      const recorded = store.recordRemediation(
        host.instanceId,
        host.version,
        {
          remediationState: "failed",
          remediationAttempts: host.remediationAttempts,
          lastRemediationAt: host.lastRemediationAt,
        },
        { at: clock.now(), action, outcome: "ok", reason: step.reason, detail: null },
      );
      if (recorded) logger.warn(base, "host failed: retry limit reached, no further action");
      return { ...base, outcome: recorded ? "ok" : "skipped" };
    }
    // A report that arrived since the plan was made may have changed the picture.
    if (store.get(host.instanceId)?.version !== host.version) {
      return { ...base, outcome: "skipped" };
    }
    let kind: "reboot" | "replace" = step.kind;
    let detail: string | null = null;
    try {
      if (kind === "reboot") {
        try {
          await cloud.rebootInstance(host.instanceId);
        } catch (error) {
          // ECS refuses to reboot an instance that is not Running (IncorrectInstanceStatus):
          // retrying would stall the ladder, so go straight to the next rung.
          if (isRetryable(error)) throw error;
          detail = `reboot refused (${describeError(error)})`;
          kind = "replace";
          await cloud.replaceInstance(host.instanceId, replaceMode);
        }
      } else {
        await cloud.replaceInstance(host.instanceId, replaceMode);
      }
    } catch (error) {
      const message = describeError(error);
      logger.error({ ...base, err: message }, "remediation call failed; nothing recorded");
      store.addEvent({
        instanceId: host.instanceId,
        at: clock.now(),
        action: kind,
        outcome: "error",
        reason: step.reason,
        detail: detail ? `${detail}; ${message}` : message,
      });
      return { ...base, action: kind, outcome: "error", error: message };
    }
    const at = clock.now();
    // The call happened, so it must be recorded even if a report raced us.
    store.recordRemediationRetrying(
      host.instanceId,
      (current) => ({
        remediationState: kind === "reboot" ? "rebooting" : "replacing",
        remediationAttempts: current.remediationAttempts + 1,
        lastRemediationAt: at,
      }),
      {
        at,
        action: kind,
        outcome: "ok",
        reason: step.reason,
        detail: [detail, kind === "replace" ? `mode=${replaceMode}` : null]
          .filter(Boolean)
          .join("; "),
      },
    );
    logger.info({ ...base, action: kind }, "remediated host");
    return { ...base, action: kind, outcome: "ok", ...(detail ? { detail } : {}) };
  }

  /** Has ESS replace a healthy host of an older generation (the rollout's one action). */
  private async rollOut(host: CycleHost, generation: string): Promise<CycleAction> {
    const { store, cloud, clock, logger, dryRun, replaceMode } = this.deps;
    const base = {
      instanceId: host.instanceId,
      action: "rollout-replace",
      reason: ROLLOUT_REASON,
      detail: `generation ${host.generation} -> ${generation}`,
    } as const;
    if (dryRun) {
      logger.info({ ...base, dryRun: true }, "would replace outdated host (dry run)");
      return { ...base, outcome: "dry-run" };
    }
    // A report since the plan may have made it unhealthy (the ladder's then) or changed it.
    const current = store.get(host.instanceId);
    if (!current || !isRolloutCandidate(current, this.contextNow(), generation)) {
      return { ...base, outcome: "skipped" };
    }
    try {
      await cloud.replaceInstance(host.instanceId, replaceMode);
    } catch (error) {
      const message = describeError(error);
      logger.error({ ...base, err: message }, "rollout replace failed; nothing recorded");
      store.addEvent({
        instanceId: host.instanceId,
        at: clock.now(),
        action: base.action,
        outcome: "error",
        reason: ROLLOUT_REASON,
        detail: `${base.detail}; ${message}`,
      });
      return { ...base, outcome: "error", error: message };
    }
    store.recordRolloutReplace(host.instanceId, {
      at: clock.now(),
      action: base.action,
      outcome: "ok",
      reason: ROLLOUT_REASON,
      detail: `${base.detail}; mode=${replaceMode}`,
    });
    logger.info(base, "replaced outdated host");
    return { ...base, outcome: "ok" };
  }
}
