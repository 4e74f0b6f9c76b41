// The one definition of healthy and unhealthy for a judged host, shared by the ladder
// and its storm guard, the rollout's floor, the fleet states (./fleet-state.ts) and so
// the API, the status page, /metrics and Statuspage.
import type { Assessment } from "./assessment";
import type { RemediationState } from "./host";

/**
 * The one definition of a judged host's health. Unhealthy: its assessment fails (a
 * timeout, a persisting client failure) or it is under remediation (rebooting,
 * replacing, or failed), even while it looks fine: otherwise the storm guard's cap
 * would leak and dashboards would count a rebooting host as healthy.
 */
export function judgedHealth(
  assessment: Assessment,
  remediationState: RemediationState,
): Assessment {
  if (remediationState === "none") return assessment;
  return {
    healthy: false,
    reason: assessment.healthy ? `remediating:${remediationState}` : assessment.reason,
  };
}
