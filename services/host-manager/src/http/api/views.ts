// JSON shapes the API returns for hosts: what an operator needs to see at a glance.
import { assessHost } from "../../domain/assessment";
import { fleetState, HEALTH_OF_STATE } from "../../domain/fleet-state";
import { judgedHealth } from "../../domain/health";
import type { HealthContext } from "../../domain/health-context";
import { STATUS_NAMES, type HostRecord, type RemediationEvent } from "../../domain/host";
import {
  DEFAULT_SATURATION,
  isHostSaturated,
  latestLoad,
  type LoadFigures,
} from "../../domain/load";
import { spotState } from "../../domain/spot";
import { isoTime } from "../iso-time";

const iso = (ms: number | null) => (ms === null ? null : isoTime(ms));

/** `loadHistory`: the host's latest load samples, newest first (at least `saturation.reports`). */
export function hostView(
  host: HostRecord,
  history: readonly RemediationEvent[],
  context: HealthContext,
  loadHistory: readonly LoadFigures[] = [],
) {
  // The one definition (../../domain/health.ts): a host under remediation is unhealthy.
  const health = judgedHealth(assessHost(host, context), host.remediationState);
  const saturation = context.settings.saturation ?? DEFAULT_SATURATION;
  return {
    instanceId: host.instanceId,
    status: host.status,
    statusName: STATUS_NAMES[host.status] ?? "unknown",
    statusSince: iso(host.statusSince),
    privateIp: host.privateIp ?? host.cloudPrivateIp,
    mac: host.mac,
    hostname: host.hostname,
    logicalCpus: host.logicalCpus,
    physicalCpus: host.physicalCpus,
    clientVersion: host.clientVersion,
    lifecycleState: host.lifecycleState,
    generation: host.generation,
    rolloutReplacedAt: iso(host.rolloutReplacedAt),
    createdAt: iso(host.cloudCreatedAt),
    firstSeenAt: iso(host.firstSeenAt),
    lastSeenAt: iso(host.lastReportAt),
    archivedAt: iso(host.archivedAt),
    spot: spotState(host),
    saturated: isHostSaturated(host, loadHistory, saturation),
    load: latestLoad(host),
    health:
      host.archivedAt !== null || HEALTH_OF_STATE[fleetState(host, context)] === "not-judged"
        ? { judged: false, healthy: null, reason: null }
        : {
            judged: true,
            healthy: health.healthy,
            reason: health.healthy ? null : health.reason,
          },
    remediation: {
      state: host.remediationState,
      attempts: host.remediationAttempts,
      lastAt: iso(host.lastRemediationAt),
      history: history.map((event) => ({ ...event, at: iso(event.at) })),
    },
  };
}
