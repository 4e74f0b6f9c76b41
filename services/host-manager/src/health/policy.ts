// The health-check decisions, as pure functions of the host records and the time:
// who is unhealthy, what the next remediation step is, and whether the storm guard holds.
import type { MaxUnhealthy } from "@hpc-fleet/fleet-contract";
import { HostStatus, type CycleHost, type HostRecord } from "../domain/host";

export interface HealthSettings {
  readonly startupTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly cooldownMs: number;
  readonly maxAttempts: number;
  readonly maxUnhealthy: MaxUnhealthy;
}

export type Assessment = { healthy: true } | { healthy: false; reason: string };

export type Step =
  | { kind: "none" }
  | { kind: "wait" }
  | { kind: "recovered" }
  | { kind: "reset-attempts" }
  | { kind: "reboot" | "replace" | "mark-failed"; reason: string };

export type ActionStep = Extract<Step, { reason: string }>;

export interface PlannedAction {
  host: CycleHost;
  step: ActionStep;
}

export interface Plan {
  total: number;
  healthy: number;
  unhealthy: number;
  remediating: number;
  failed: number;
  maxUnhealthy: number;
  stormGuardOpen: boolean;
  /** Remediations to perform; empty when the storm guard is open. */
  actions: PlannedAction[];
  /** Record-keeping that is not an action on a host (recoveries, forgetting old attempts). */
  bookkeeping: { host: CycleHost; step: Step }[];
  unhealthyHosts: { instanceId: string; reason: string }[];
}

/** ESS lifecycle states in which a host is expected to run the client. */
const JUDGED_LIFECYCLE_STATES = new Set(["InService", "Pending"]);

export function isJudged(host: Pick<HostRecord, "lifecycleState">): boolean {
  return host.lifecycleState === null || JUDGED_LIFECYCLE_STATES.has(host.lifecycleState);
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
  now: number,
  settings: HealthSettings,
): boolean {
  return (
    host.archivedAt === null &&
    host.rolloutReplacedAt !== null &&
    now - host.rolloutReplacedAt < rolloutTimeoutMs(settings)
  );
}

/**
 * Judges one host. `observingSince` is when this process started watching: no
 * clock runs from before it, so a fresh database or a restart after downtime
 * never blames hosts for reports the manager could not receive (the start-up grace).
 */
export function assessHost(
  host: Pick<HostRecord, "status" | "lastReportAt" | "cloudCreatedAt" | "statusSince">,
  now: number,
  observingSince: number,
  settings: HealthSettings,
): Assessment {
  const elapsedSince = (t: number) => now - Math.max(t, observingSince);
  if (host.status === HostStatus.clientFailed) return { healthy: false, reason: "client-failed" };
  if (host.status === HostStatus.created || host.lastReportAt === null) {
    return elapsedSince(host.cloudCreatedAt) > settings.startupTimeoutMs
      ? { healthy: false, reason: "startup-timeout" }
      : { healthy: true };
  }
  if (elapsedSince(host.lastReportAt) > settings.heartbeatTimeoutMs) {
    return { healthy: false, reason: "heartbeat-timeout" };
  }
  if (
    host.status === HostStatus.starting &&
    elapsedSince(host.statusSince) > settings.startupTimeoutMs
  ) {
    return { healthy: false, reason: "stuck-starting" };
  }
  if (
    host.status === HostStatus.clientExited &&
    elapsedSince(host.statusSince) > settings.heartbeatTimeoutMs
  ) {
    return { healthy: false, reason: "client-not-restarting" };
  }
  return { healthy: true };
}

/** How long a host must stay healthy after its last remediation before its attempts are forgotten. */
export function attemptMemoryMs(settings: HealthSettings): number {
  return settings.startupTimeoutMs + settings.heartbeatTimeoutMs + settings.cooldownMs;
}

/** The remediation ladder: reboot, then replace after a cooldown, then give up at the retry limit. */
export function nextStep(
  host: CycleHost,
  assessment: Assessment,
  now: number,
  settings: HealthSettings,
): Step {
  const last = host.lastRemediationAt;
  // Back up and running, and heard from since the last action: the remediation worked.
  const cameBack =
    assessment.healthy &&
    host.status === HostStatus.running &&
    host.lastReportAt !== null &&
    (last === null || host.lastReportAt > last);
  if (host.remediationState !== "none") {
    if (cameBack) return { kind: "recovered" };
    if (host.remediationState === "failed" || assessment.healthy) return { kind: "wait" };
  } else if (assessment.healthy) {
    if (host.remediationAttempts > 0 && last !== null && now - last >= attemptMemoryMs(settings)) {
      return { kind: "reset-attempts" };
    }
    return { kind: "none" };
  }
  if (assessment.healthy) return { kind: "none" };
  if (last !== null && now - last < settings.cooldownMs) return { kind: "wait" };
  if (host.remediationAttempts >= settings.maxAttempts) {
    return { kind: "mark-failed", reason: assessment.reason };
  }
  return host.remediationAttempts === 0
    ? { kind: "reboot", reason: assessment.reason }
    : { kind: "replace", reason: assessment.reason };
}

/** The largest number of unhealthy hosts at which remediation still goes ahead. */
export function maxUnhealthyCount(max: MaxUnhealthy, total: number): number {
  return max.kind === "count" ? max.value : Math.floor((total * max.value) / 100);
}

export function planCycle(
  hosts: readonly CycleHost[],
  now: number,
  observingSince: number,
  settings: HealthSettings,
): Plan {
  // Hosts a rollout is replacing are ESS's now: neither judged nor remediated.
  const judged = hosts.filter((host) => isJudged(host) && !isRollingOut(host, now, settings));
  const actions: PlannedAction[] = [];
  const bookkeeping: Plan["bookkeeping"] = [];
  const unhealthyHosts: Plan["unhealthyHosts"] = [];
  let remediating = 0;
  let failed = 0;
  for (const host of judged) {
    const assessment = assessHost(host, now, observingSince, settings);
    const step = nextStep(host, assessment, now, settings);
    const recovered = step.kind === "recovered";
    const underRemediation = !recovered && host.remediationState !== "none";
    if (underRemediation && host.remediationState === "failed") failed++;
    else if (underRemediation) remediating++;
    // Hosts being remediated count as unhealthy even while they look fine, or the cap leaks.
    if (!assessment.healthy || underRemediation) {
      unhealthyHosts.push({
        instanceId: host.instanceId,
        reason: assessment.healthy ? `remediating:${host.remediationState}` : assessment.reason,
      });
    }
    if (step.kind === "reboot" || step.kind === "replace" || step.kind === "mark-failed") {
      actions.push({ host, step });
    } else if (step.kind === "recovered" || step.kind === "reset-attempts") {
      bookkeeping.push({ host, step });
    }
  }
  const maxUnhealthy = maxUnhealthyCount(settings.maxUnhealthy, judged.length);
  const stormGuardOpen = unhealthyHosts.length > maxUnhealthy;
  return {
    total: judged.length,
    healthy: judged.length - unhealthyHosts.length,
    unhealthy: unhealthyHosts.length,
    remediating,
    failed,
    maxUnhealthy,
    stormGuardOpen,
    actions: stormGuardOpen ? [] : actions,
    bookkeeping,
    unhealthyHosts,
  };
}
