// Scheduled capacity as the health check sees it: an ESS scheduled task lowering the
// group's desired capacity (fleet.schedules, 20:00 -> 0) makes ESS stop and release
// hosts, which go silent on the way out. Those hosts are ESS's, not failures: for a while
// after a scale-in entry fires, as many unhealthy hosts as the entry removes are excused,
// neither counted unhealthy nor remediated. Hosts ESS already lists as leaving (Removing,
// ...) are not judged at all (assessment.ts isJudged).
import {
  resolveSchedules,
  scheduledScaleIn,
  type CapacitySchedule,
  type ResolvedSchedule,
} from "@hpc-fleet/fleet-contract";
import type { HealthSettings } from "./health-context";

export type { ResolvedSchedule } from "@hpc-fleet/fleet-contract";

/**
 * The environment's entries with their UTC crons. Their counts are numbers already (the
 * program wrote fleet.instanceCount for "instanceCount"), so no fleet count is needed.
 */
export function resolvedSchedules(
  entries: readonly CapacitySchedule[],
  now: number,
): ResolvedSchedule[] {
  return resolveSchedules(entries, Number.NaN, new Date(now));
}

/**
 * How long after a scale-in entry fires its hosts are excused: the heartbeat timeout (a
 * stopped host is flagged silent only after it) plus half an hour for ESS to stop and
 * release Windows hosts, after which the inventory archives them.
 */
export function scaleInGraceMs(settings: Pick<HealthSettings, "heartbeatTimeoutMs">): number {
  return settings.heartbeatTimeoutMs + 30 * 60_000;
}

export interface ScaleInExcuse {
  /** When the entry fired, the capacity before it and the one it set. */
  readonly firedAt: number;
  readonly from: number;
  readonly to: number;
  /** How many unhealthy hosts may be ESS's: the hosts the entry removes. */
  readonly hosts: number;
}

/** The scale-in under way at `now`, if a schedule entry started one within the grace. */
export function scaleInExcuse(
  schedules: readonly ResolvedSchedule[],
  settings: Pick<HealthSettings, "heartbeatTimeoutMs">,
  now: number,
): ScaleInExcuse | null {
  if (schedules.length === 0) return null;
  const scaleIn = scheduledScaleIn(schedules, now, scaleInGraceMs(settings));
  return scaleIn ? { ...scaleIn, hosts: scaleIn.from - scaleIn.to } : null;
}
