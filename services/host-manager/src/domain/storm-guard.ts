// The storm guard: when more hosts are unhealthy than the cap allows, the fault is more
// likely the fleet's surroundings than the hosts, so nothing is remediated or rolled.
import type { MaxUnhealthy } from "./health-context";

/** The largest number of unhealthy hosts at which remediation still goes ahead. */
export function maxUnhealthyCount(max: MaxUnhealthy, total: number): number {
  return max.kind === "count" ? max.value : Math.floor((total * max.value) / 100);
}

export interface StormGuard {
  /** The cap, as a count of the judged hosts. */
  readonly maxUnhealthy: number;
  /** More hosts unhealthy than the cap: remediate none. */
  readonly open: boolean;
}

export function stormGuard(unhealthy: number, judged: number, max: MaxUnhealthy): StormGuard {
  const maxUnhealthy = maxUnhealthyCount(max, judged);
  return { maxUnhealthy, open: unhealthy > maxUnhealthy };
}
