// Whether a host is healthy, as a pure function of its record and the time: which hosts
// are judged at all, and the timeouts that make one unhealthy.
import type { HealthContext } from "./health-context";
import { HostStatus, type HostRecord } from "./host";

export type Assessment = { healthy: true } | { healthy: false; reason: string };

/**
 * How long a client-failed status must stand, if no later report repeats it, before it
 * counts: one heartbeat of the hosts (60 s). A single failure report is often a client
 * restarting; a host is not rebooted for it unless it persists.
 */
export const CLIENT_FAILED_PERSISTS_MS = 60_000;

/** ESS lifecycle states in which a host is expected to run the client. */
const JUDGED_LIFECYCLE_STATES = new Set(["InService", "Pending"]);

/**
 * Whether the health check judges the host at all: not in an ESS state that takes it out
 * of service, and not being reclaimed (a spot notice, see spot.ts: ECS releases it, and
 * its silence or a reboot would only be a remediation of what ECS is doing).
 */
export function isJudged(host: Pick<HostRecord, "lifecycleState" | "spotTerminationAt">): boolean {
  if (host.spotTerminationAt !== null) return false;
  return host.lifecycleState === null || JUDGED_LIFECYCLE_STATES.has(host.lifecycleState);
}

/** Judges one host; no timeout runs from before `observingSince` (the start-up grace). */
export function assessHost(
  host: Pick<HostRecord, "status" | "lastReportAt" | "cloudCreatedAt" | "statusSince"> & {
    readonly instanceId?: string;
  },
  { now, observingSince, settings, clientsStopped }: HealthContext,
): Assessment {
  const elapsedSince = (t: number) => now - Math.max(t, observingSince);
  // The failure persists across two reports (a later one repeats it), or for a heartbeat.
  if (
    host.status === HostStatus.clientFailed &&
    host.lastReportAt !== null &&
    (host.lastReportAt > host.statusSince ||
      elapsedSince(host.statusSince) >= CLIENT_FAILED_PERSISTS_MS)
  ) {
    return { healthy: false, reason: "client-failed" };
  }
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
  const stoppedAt =
    host.instanceId === undefined ? undefined : clientsStopped?.get(host.instanceId);
  // Stopped by a job, and exited since (not again after running): as the operator asked.
  const stoppedOnPurpose = stoppedAt !== undefined && host.statusSince <= stoppedAt;
  if (
    host.status === HostStatus.clientExited &&
    !stoppedOnPurpose &&
    elapsedSince(host.statusSince) > settings.heartbeatTimeoutMs
  ) {
    return { healthy: false, reason: "client-not-restarting" };
  }
  return { healthy: true };
}
