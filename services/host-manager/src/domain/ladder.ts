// The remediation ladder, as pure functions of the host records and the time: the next
// step for each unhealthy host (reboot, then replace after a cooldown, then give up at
// the retry limit), and the plan for the whole fleet, held back by the storm guard.
import { assessHost, isJudged, type Assessment } from "./assessment";
import { judgedHealth } from "./health";
import type { HealthContext, HealthSettings } from "./health-context";
import { HostStatus, type CycleHost } from "./host";
import { isRollingOut } from "./rollout";
import { stormGuard } from "./storm-guard";
import { contextFor, type PlanInputs } from "./watch";

export type Step =
  | { kind: "none" }
  | { kind: "wait" }
  | { kind: "recovered" }
  | { kind: "reset-attempts" }
  | { kind: "reboot" | "replace" | "mark-failed"; reason: string; detail?: string };

export type ActionStep = Extract<Step, { reason: string }>;

export interface PlannedAction {
  host: CycleHost;
  step: ActionStep;
}

export interface RemediationPlan {
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
  /** Unhealthy hosts excused as the ones a scheduled scale-in is removing; none if absent. */
  scaledIn?: { instanceId: string; reason: string }[];
}

/** How long a host must stay healthy after its last remediation before its attempts are forgotten. */
export function attemptMemoryMs(settings: HealthSettings): number {
  return settings.startupTimeoutMs + settings.heartbeatTimeoutMs + settings.cooldownMs;
}

/** The remediation ladder: reboot, then replace after a cooldown, then give up at the retry limit. */
export function nextStep(
  host: CycleHost,
  assessment: Assessment,
  { now, settings }: HealthContext,
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

/**
 * Judges every host and plans its next step; the storm guard holds back every action.
 * A host with a queued removal waits: its replace is asked for, ESS has not taken it
 * yet. A restored host is judged only on the time since it came back.
 */
export function planRemediation(
  hosts: readonly CycleHost[],
  context: HealthContext,
  inputs: PlanInputs = {},
): RemediationPlan {
  // Hosts a rollout is replacing are ESS's now: neither judged nor remediated.
  const judged = hosts.filter((host) => isJudged(host) && !isRollingOut(host, context));
  const actions: PlannedAction[] = [];
  const bookkeeping: RemediationPlan["bookkeeping"] = [];
  const unhealthyHosts: RemediationPlan["unhealthyHosts"] = [];
  const scaledIn: { instanceId: string; reason: string }[] = [];
  let remediating = 0;
  let failed = 0;
  for (const host of judged) {
    const hostContext = contextFor(context, host.instanceId, inputs);
    const assessment = assessHost(host, hostContext);
    // Going silent while a schedule scales the group in: ESS's to remove, not a failure.
    if (!assessment.healthy && scaledIn.length < (inputs.scaleIn?.hosts ?? 0)) {
      scaledIn.push({ instanceId: host.instanceId, reason: assessment.reason });
      continue;
    }
    const planned = nextStep(host, assessment, hostContext);
    const step: Step =
      inputs.queuedRemovals?.has(host.instanceId) && "reason" in planned
        ? { kind: "wait" }
        : planned;
    const recovered = step.kind === "recovered";
    const underRemediation = !recovered && host.remediationState !== "none";
    if (underRemediation && host.remediationState === "failed") failed++;
    else if (underRemediation) remediating++;
    // Hosts being remediated count as unhealthy even while they look fine, or the cap leaks.
    const health = judgedHealth(assessment, underRemediation ? host.remediationState : "none");
    if (!health.healthy)
      unhealthyHosts.push({ instanceId: host.instanceId, reason: health.reason });
    if (step.kind === "reboot" || step.kind === "replace" || step.kind === "mark-failed") {
      actions.push({ host, step });
    } else if (step.kind === "recovered" || step.kind === "reset-attempts") {
      bookkeeping.push({ host, step });
    }
  }
  const counted = judged.length - scaledIn.length;
  const guard = stormGuard(unhealthyHosts.length, counted, context.settings.maxUnhealthy);
  return {
    total: counted,
    healthy: counted - unhealthyHosts.length,
    unhealthy: unhealthyHosts.length,
    remediating,
    failed,
    maxUnhealthy: guard.maxUnhealthy,
    stormGuardOpen: guard.open,
    actions: guard.open ? [] : actions,
    bookkeeping,
    unhealthyHosts,
    ...(scaledIn.length > 0 ? { scaledIn } : {}),
  };
}
