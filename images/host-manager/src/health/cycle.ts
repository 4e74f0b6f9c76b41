// One health-check cycle: refresh the inventory, judge every host, respect the
// storm guard, run the remediations with bounded concurrency, and record it all.
import type { Logger } from "pino";
import type { Clock } from "../clock";
import type { ReplaceMode } from "../config";
import { describeError, isRetryable, mapLimit } from "../cloud/retry";
import type { CloudDriver } from "../cloud/types";
import type { CycleAction, CycleStore, CycleSummary } from "../store/cycles";
import type { HostStore, InventoryChange } from "../store/hosts";
import type { Inventory } from "./inventory";
import { planCycle, type HealthSettings, type PlannedAction } from "./policy";

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

  /** Resolves when no cycle is in flight. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async runCycle(): Promise<CycleSummary> {
    const { store, clock, logger, settings, dryRun } = this.deps;
    const startedAt = clock.now();
    let inventory: InventoryChange | undefined;
    let inventoryError: string | undefined;
    try {
      inventory = await this.deps.inventory.refresh();
    } catch (error) {
      inventoryError = describeError(error);
      logger.error({ err: inventoryError }, "inventory refresh failed; no remediation this cycle");
    }
    const now = clock.now();
    const plan = planCycle(store.listActive(), now, this.deps.observingSince, settings);
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
      actions = await mapLimit(plan.actions, this.deps.concurrency ?? 8, (planned) =>
        this.act(planned),
      );
    }
    if (plan.stormGuardOpen) {
      logger.warn(
        { unhealthy: plan.unhealthy, maxUnhealthy: plan.maxUnhealthy, total: plan.total },
        "storm guard open: more hosts unhealthy than allowed, remediating none",
      );
    }
    const summary: CycleSummary = {
      startedAt,
      finishedAt: clock.now(),
      total: plan.total,
      healthy: plan.healthy,
      unhealthy: plan.unhealthy,
      remediating: plan.remediating,
      failed: plan.failed,
      maxUnhealthy: plan.maxUnhealthy,
      stormGuardOpen: plan.stormGuardOpen,
      dryRun,
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
}
