// Rolling replacement by generation, as a pure function of the host records and the
// time. ESS applies a changed scaling configuration only to instances it launches
// afterwards, so hosts tagged with an older generation are replaced a few at a time,
// oldest first, while a minimum share of the fleet stays healthy. Unhealthy hosts are
// the remediation ladder's, never the rollout's (a replace there brings the new
// generation anyway).
import { assessHost, isJudged } from "./assessment";
import { judgedHealth } from "./health";
import type { HealthContext, HealthSettings } from "./health-context";
import { HostStatus, type CycleHost, type HostRecord } from "./host";
import { contextFor, type PlanInputs } from "./watch";

export interface RolloutSettings {
  /** The generation hosts should carry; null when no rollout is configured. */
  readonly generation: string | null;
  /** Whole percent of the judged fleet that must stay healthy. */
  readonly minHealthyPercentage: number;
}

/** Why no host is replaced although some are outdated. */
export type RolloutHold = "storm-guard";

export interface RolloutDecision<H extends CycleHost = CycleHost> {
  /** Judged hosts (InService/Pending), including those being rolled out. */
  total: number;
  /** Judged hosts running their client, healthy, and not under remediation. */
  healthy: number;
  /** ceil(total × minHealthyPercentage / 100): the floor the rollout keeps. */
  minHealthy: number;
  /** Judged hosts tagged with a generation other than the current one. */
  outdated: number;
  /** Hosts a rollout had ESS replace that are still in the group. */
  inFlight: number;
  /** healthy − minHealthy − inFlight, never negative: replacements allowed this cycle. */
  budget: number;
  held: RolloutHold | null;
  /** Healthy outdated hosts to replace now, oldest first, at most `budget`. */
  replace: H[];
}

/**
 * How long after a rollout's replace call a host still in the group counts as on its
 * way out. Past it the call is taken not to have worked: the host is judged again (and
 * the rollout may replace it again).
 */
export function rolloutTimeoutMs(settings: HealthSettings): number {
  return settings.startupTimeoutMs + settings.cooldownMs;
}

/**
 * A host a rollout had ESS replace, still in the group: ESS is removing it, so the
 * ladder leaves it alone (its going quiet is expected, not a fault to remediate).
 */
export function isRollingOut(
  host: Pick<HostRecord, "archivedAt" | "rolloutReplacedAt">,
  { now, settings }: HealthContext,
): boolean {
  return (
    host.archivedAt === null &&
    host.rolloutReplacedAt !== null &&
    now - host.rolloutReplacedAt < rolloutTimeoutMs(settings)
  );
}

/** Carries a generation tag, and not the current one. */
export function isOutdated(host: CycleHost, generation: string | null): boolean {
  return generation !== null && host.generation !== null && host.generation !== generation;
}

/** Counts toward the healthy floor: judged, running its client, healthy and not being remediated. */
export function isHealthyForRollout(host: CycleHost, context: HealthContext): boolean {
  return (
    host.archivedAt === null &&
    isJudged(host) &&
    host.status === HostStatus.running &&
    judgedHealth(assessHost(host, context), host.remediationState).healthy
  );
}

/** A host the rollout may replace now: outdated, healthy, and not already on its way out. */
export function isRolloutCandidate(
  host: CycleHost,
  context: HealthContext,
  generation: string | null,
): boolean {
  return (
    isOutdated(host, generation) &&
    !isRollingOut(host, context) &&
    isHealthyForRollout(host, context)
  );
}

/** The share of `total` that must stay healthy, rounded up (80% of 101 is 81). */
export function minHealthyCount(total: number, percentage: number): number {
  return Math.ceil((total * percentage) / 100);
}

/**
 * The cycle's rollout. Hosts with a queued removal (the rollout's, in remove mode) have
 * had their replace asked for and ESS has not taken it yet: in flight, never picked
 * again. A restored host is judged only on the time since it came back.
 */
export function planRollout<H extends CycleHost>(
  hosts: readonly H[],
  context: HealthContext,
  rollout: RolloutSettings,
  stormGuardOpen: boolean,
  inputs: PlanInputs = {},
): RolloutDecision<H> {
  const queuedRemovals = inputs.queuedRemovals ?? new Set<string>();
  const judgedIn = (host: H) => contextFor(context, host.instanceId, inputs);
  const active = hosts.filter((host) => host.archivedAt === null);
  const judged = active.filter(isJudged);
  const healthy = judged.filter((host) => isHealthyForRollout(host, judgedIn(host))).length;
  const minHealthy = minHealthyCount(judged.length, rollout.minHealthyPercentage);
  // Any lifecycle state: a host ESS is removing has not left the group yet.
  const inFlight = active.filter(
    (host) => isRollingOut(host, context) || queuedRemovals.has(host.instanceId),
  ).length;
  const outdated = judged.filter((host) => isOutdated(host, rollout.generation)).length;
  const budget = Math.max(0, healthy - minHealthy - inFlight);
  const candidates = judged
    .filter(
      (host) =>
        !queuedRemovals.has(host.instanceId) &&
        isRolloutCandidate(host, judgedIn(host), rollout.generation),
    )
    .sort(
      (a, b) =>
        a.cloudCreatedAt - b.cloudCreatedAt ||
        (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0),
    );
  const held = stormGuardOpen && outdated > 0 ? "storm-guard" : null;
  return {
    total: judged.length,
    healthy,
    minHealthy,
    outdated,
    inFlight,
    budget,
    held,
    replace: stormGuardOpen ? [] : candidates.slice(0, budget),
  };
}
