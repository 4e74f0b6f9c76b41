// With no way for hosts to register (no identity signing certificate, account or region)
// and the fleet token's fallback off, every report is refused: every host goes silent
// through no fault of its own, and the health check would reboot, then replace, the
// whole fleet. So the fleet is held as in a freeze, by the host-manager itself: hosts are
// still judged and what would have been done is listed, but nothing is acted on, and the
// page, /metrics and Statuspage show it frozen, with the reason.
import type { FleetFreeze } from "../domain/freeze";

/** The freeze in force while registration cannot work; null when hosts can report. */
export function registrationHold(
  canRegister: boolean,
  fleetTokenFallback: boolean,
  now: number,
): FleetFreeze | null {
  if (canRegister || fleetTokenFallback) return null;
  return {
    by: "host-manager",
    reason:
      "host registration is not configured (HOST_MANAGER_IDENTITY_SIGNING_CERT_PEM, " +
      "HOST_MANAGER_ACCOUNT_ID, HOST_MANAGER_REGION): no host can report, so none is remediated",
    startedAt: now,
    // Until the service is started with the missing settings: a date, not Infinity, so
    // it prints.
    endsAt: Date.UTC(9999, 0, 1),
  };
}
