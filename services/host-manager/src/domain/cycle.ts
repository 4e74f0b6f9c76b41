// A health-check cycle's record: what it saw, what it did and why, kept for the API,
// the status page, the metrics and Statuspage; and how a cycle's facts become one.
import type { InventoryChange } from "./cloud";
import type { FleetFreeze, HeldAction, RolloutPause } from "./freeze";
import type { RemediationPlan } from "./ladder";
import type { RolloutDecision, RolloutSettings } from "./rollout";

export interface CycleAction {
  instanceId: string;
  /** `rollout-replace`: a healthy host of an older generation, replaced by the rollout. */
  action: "reboot" | "replace" | "mark-failed" | "rollout-replace";
  reason: string;
  /**
   * `pending`: queued for ESS RemoveInstances, not yet accepted (remove mode); `unknown`:
   * the call got no answer and may have been carried out: counted as made, not resent.
   */
  outcome: "ok" | "error" | "dry-run" | "skipped" | "pending" | "unknown";
  error?: string;
  /** Why the action differs from the plan, e.g. a refused reboot escalated to a replace. */
  detail?: string;
}

export interface CycleSummary {
  startedAt: number;
  finishedAt: number;
  total: number;
  healthy: number;
  unhealthy: number;
  remediating: number;
  failed: number;
  /**
   * Judged hosts tagged with a generation other than the current one (0 with no rollout);
   * absent from cycles recorded before rollouts existed.
   */
  outdated?: number;
  maxUnhealthy: number;
  stormGuardOpen: boolean;
  dryRun: boolean;
  /** The rollout's figures; absent when no fleet generation is configured. */
  rollout?: CycleRollout;
  inventory: { added: number; archived: number; restored: number; error?: string };
  actions: CycleAction[];
  /** Remove mode: the RemoveInstances calls of the cycle and the queue they left. */
  removals?: CycleRemovals;
  /** The ladder's replacement budget in its window; absent from older cycles. */
  replacements?: CycleReplacements;
  /**
   * Hosts whose slot the breaker failed (its new hosts never came up), and why: left
   * alone until someone looks. Absent from older cycles.
   */
  failedSlots?: { instanceId: string; slot: string; failedAt: number; reason: string }[];
  recovered: string[];
  /**
   * Spot reclaims, apart from failures: hosts with an interruption notice still in the
   * group (neither judged nor remediated), and those gone from it this cycle after one.
   * Absent from older cycles.
   */
  spot?: CycleSpot;
  /** Which hosts were unhealthy and why: what an operator needs when the guard trips. */
  unhealthyHosts: { instanceId: string; reason: string }[];
  /** The freeze the cycle ran under; absent when the fleet was not frozen. */
  frozen?: FleetFreeze;
  /** Frozen: every action the cycle would have started, and did not. */
  heldByFreeze?: HeldAction[];
  /** The rollout's pause the cycle ran under; absent when it was not paused. */
  rolloutPaused?: RolloutPause;
  /** Paused (and not frozen): the rollout replacements the cycle would have made. */
  heldByRolloutPause?: HeldAction[];
  error?: string;
  /**
   * The cycle ran past its deadline and was given up on (it stops at its next step); its
   * counts are the last finished cycle's, as it judged nothing to the end.
   */
  abandoned?: true;
}

export interface CycleRemovals {
  /** RemoveInstances calls made (each takes up to 20 instances). */
  calls: number;
  /** Removals ESS accepted in this cycle, queued in it or before. */
  accepted: number;
  /** Removals still queued: ESS has not accepted them yet; the next cycle tries again. */
  pending: number;
  /** Why the last call ESS did not accept was not. */
  error?: string;
}

export interface CycleSpot {
  reclaiming: number;
  reclaimed: number;
}

export interface CycleReplacements {
  /** Ladder replaces allowed per window, and those made (or queued) in the current one. */
  budget: number;
  used: number;
  /** Replaces due this cycle and held back because the budget was spent. */
  held: number;
  windowMs: number;
}

export interface CycleRollout {
  generation: string;
  minHealthyPercentage: number;
  /** Judged hosts running their client and healthy, and the floor kept under them. */
  healthy: number;
  minHealthy: number;
  /** Rolled-out hosts still in the group. */
  inFlight: number;
  /** Replacements the healthy floor allowed this cycle. */
  budget: number;
  /** Why none were made although hosts are outdated (the storm guard, an inventory failure). */
  held?: "storm-guard" | "inventory-error" | "freeze" | "paused";
}

/**
 * Remediations that happened in a cycle (not dry runs, errors or skipped ones); one
 * whose answer was lost is counted as made, as the ladder counts it.
 */
export function remediationsDone(summary: Pick<CycleSummary, "actions">): number {
  return summary.actions.filter(
    (a) =>
      (a.action === "reboot" || a.action === "replace") &&
      (a.outcome === "ok" || a.outcome === "unknown"),
  ).length;
}

/**
 * A cycle's counts alone: what the status page's chart needs, without the actions and
 * lists; `outdated` is 0 for cycles recorded before rollouts existed.
 */
export type CycleCounts = Pick<
  CycleSummary,
  "finishedAt" | "total" | "healthy" | "unhealthy" | "remediating" | "failed"
> & { outdated: number };

/** What a cycle found and did, for summarizeCycle. */
export interface CycleFacts {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly dryRun: boolean;
  /** What the inventory refresh changed, or why it failed (then nothing was acted on). */
  readonly inventory: { readonly change: InventoryChange } | { readonly error: string };
  readonly plan: RemediationPlan;
  readonly rolloutSettings: RolloutSettings;
  readonly rollout: RolloutDecision;
  readonly actions: CycleAction[];
  readonly removals?: CycleRemovals;
  /** Hosts whose recovery this cycle recorded. */
  readonly recovered: string[];
  readonly replacements?: CycleReplacements;
  readonly failedSlots?: CycleSummary["failedSlots"];
  readonly spot?: CycleSpot;
  /** The freeze and the pause in force, and what they held. */
  readonly holds?: Pick<
    CycleSummary,
    "frozen" | "heldByFreeze" | "rolloutPaused" | "heldByRolloutPause"
  >;
}

export function summarizeCycle(facts: CycleFacts): CycleSummary {
  const { plan, rollout, rolloutSettings, inventory } = facts;
  const inventoryError = "error" in inventory ? inventory.error : undefined;
  const change = "change" in inventory ? inventory.change : undefined;
  let rolloutRecord: CycleRollout | undefined;
  if (rolloutSettings.generation !== null) {
    // The plan only knows of the storm guard; a failed inventory held the rollout too.
    const holds = facts.holds;
    const held =
      rollout.held ??
      (inventoryError !== undefined && rollout.outdated > 0 ? "inventory-error" : undefined) ??
      (holds?.frozen && rollout.outdated > 0 ? "freeze" : undefined) ??
      (holds?.rolloutPaused && rollout.outdated > 0 ? "paused" : undefined);
    rolloutRecord = {
      generation: rolloutSettings.generation,
      minHealthyPercentage: rolloutSettings.minHealthyPercentage,
      healthy: rollout.healthy,
      minHealthy: rollout.minHealthy,
      inFlight: rollout.inFlight,
      budget: rollout.budget,
      ...(held ? { held } : {}),
    };
  }
  return {
    startedAt: facts.startedAt,
    finishedAt: facts.finishedAt,
    total: plan.total,
    healthy: plan.healthy,
    unhealthy: plan.unhealthy,
    remediating: plan.remediating,
    failed: plan.failed,
    outdated: rollout.outdated,
    maxUnhealthy: plan.maxUnhealthy,
    stormGuardOpen: plan.stormGuardOpen,
    dryRun: facts.dryRun,
    ...(rolloutRecord ? { rollout: rolloutRecord } : {}),
    inventory: {
      added: change?.added.length ?? 0,
      archived: change?.archived.length ?? 0,
      restored: change?.restored.length ?? 0,
      ...(inventoryError !== undefined ? { error: inventoryError } : {}),
    },
    actions: facts.actions,
    ...(facts.removals ? { removals: facts.removals } : {}),
    ...(facts.replacements ? { replacements: facts.replacements } : {}),
    ...(facts.failedSlots?.length ? { failedSlots: facts.failedSlots } : {}),
    recovered: facts.recovered,
    ...(facts.spot ? { spot: facts.spot } : {}),
    unhealthyHosts: plan.unhealthyHosts,
    ...facts.holds,
    ...(inventoryError !== undefined ? { error: `inventory: ${inventoryError}` } : {}),
  };
}

/**
 * The record of a cycle given up on at its deadline: no actions of its own to report
 * (those it made are in the hosts' histories), the fleet's counts as last known.
 */
export function abandonedCycle(
  previous: CycleSummary | undefined,
  facts: { startedAt: number; finishedAt: number; dryRun: boolean; reason: string },
): CycleSummary {
  return {
    startedAt: facts.startedAt,
    finishedAt: facts.finishedAt,
    total: previous?.total ?? 0,
    healthy: previous?.healthy ?? 0,
    unhealthy: previous?.unhealthy ?? 0,
    remediating: previous?.remediating ?? 0,
    failed: previous?.failed ?? 0,
    outdated: previous?.outdated ?? 0,
    maxUnhealthy: previous?.maxUnhealthy ?? 0,
    stormGuardOpen: previous?.stormGuardOpen ?? false,
    dryRun: facts.dryRun,
    inventory: { added: 0, archived: 0, restored: 0 },
    actions: [],
    recovered: [],
    unhealthyHosts: previous?.unhealthyHosts ?? [],
    error: `cycle abandoned: ${facts.reason}`,
    abandoned: true,
  };
}
