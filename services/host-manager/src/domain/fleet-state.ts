// One state per host for people: the status page's filter, its counts and the
// Prometheus gauge all use it, so they always agree with each other. And the one
// definition of healthy and unhealthy for states and counts (HEALTH_OF_STATE,
// fleetHealth), built on judgedHealth (./health.ts) as the ladder is.
import { assessHost, isJudged } from "./assessment";
import { judgedHealth } from "./health";
import type { HealthContext } from "./health-context";
import { STATUS_NAMES, type HostStateFields } from "./host";
import { isRollingOut } from "./rollout";

/** Most severe first: a host under remediation is shown as such even while it looks fine. */
export const FLEET_STATES = [
  "failed",
  "remediating",
  "unhealthy",
  "client-exited",
  "starting",
  "running",
  "out-of-service",
] as const;
export type FleetState = (typeof FLEET_STATES)[number];

/** Whether hosts in a state count as healthy, unhealthy, or are not judged at all. */
export type StateHealth = "healthy" | "unhealthy" | "not-judged";

/**
 * Each state's health, as judgedHealth decides it; a new state must be placed here.
 * `client-exited` and `starting` are healthy: within their timeouts, not yet a fault.
 */
export const HEALTH_OF_STATE: Readonly<Record<FleetState, StateHealth>> = {
  failed: "unhealthy",
  remediating: "unhealthy",
  unhealthy: "unhealthy",
  "client-exited": "healthy",
  starting: "healthy",
  running: "healthy",
  "out-of-service": "not-judged",
};

export function fleetState(host: HostStateFields, context: HealthContext): FleetState {
  // ESS Standby/Removing/...: the health check leaves these alone, so should the eye.
  // Likewise hosts a rollout had ESS replace: they are on their way out.
  if (!isJudged(host) || isRollingOut(host, context)) return "out-of-service";
  if (host.remediationState === "failed") return "failed";
  if (host.remediationState !== "none") return "remediating";
  if (!judgedHealth(assessHost(host, context), "none").healthy) return "unhealthy";
  const name = STATUS_NAMES[host.status];
  if (name === "running") return "running";
  if (name === "client-exited") return "client-exited";
  // created (never reported) and starting are both "on the way up, within the timeout".
  return "starting";
}

export type FleetCounts = Record<FleetState, number> & { total: number };

/** Visits the state fields of every active host (the registry does, from a narrow scan). */
export interface ActiveHostStates {
  forEachActiveState(visit: (host: Readonly<HostStateFields>) => void): void;
}

export function countByState(states: readonly FleetState[]): FleetCounts {
  const counts = Object.fromEntries(FLEET_STATES.map((s) => [s, 0])) as FleetCounts;
  counts.total = states.length;
  for (const state of states) counts[state]++;
  return counts;
}

/**
 * The active hosts by state, as countByState over fleetState, from a narrow scan of the
 * registry: the gauge and every cycle need the counts, not 10,000 full host records.
 */
export function countFleet(store: ActiveHostStates, context: HealthContext): FleetCounts {
  const counts = countByState([]);
  store.forEachActiveState((host) => {
    counts[fleetState(host, context)]++;
    counts.total++;
  });
  return counts;
}

/** The fleet's health figures: the same numbers wherever the fleet is summed up. */
export interface FleetHealth {
  /** Hosts the health check judges (every state but out-of-service). */
  readonly judged: number;
  readonly healthy: number;
  /** Failed, remediating and unhealthy hosts: what the storm guard counts. */
  readonly unhealthy: number;
}

export function fleetHealth(counts: Record<FleetState, number>): FleetHealth {
  let healthy = 0;
  let unhealthy = 0;
  for (const state of FLEET_STATES) {
    if (HEALTH_OF_STATE[state] === "healthy") healthy += counts[state];
    else if (HEALTH_OF_STATE[state] === "unhealthy") unhealthy += counts[state];
  }
  return { judged: healthy + unhealthy, healthy, unhealthy };
}
