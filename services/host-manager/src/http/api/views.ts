// JSON shapes the API returns for hosts: what an operator needs to see at a glance.
import { assessHost, isJudged } from "../../domain/assessment";
import type { HealthContext } from "../../domain/health-context";
import { STATUS_NAMES, type HostRecord, type RemediationEvent } from "../../domain/host";
import { isRollingOut } from "../../domain/rollout";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function hostView(
  host: HostRecord,
  history: readonly RemediationEvent[],
  context: HealthContext,
) {
  const assessment = assessHost(host, context);
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
    health:
      host.archivedAt !== null || !isJudged(host) || isRollingOut(host, context)
        ? { judged: false, healthy: null, reason: null }
        : {
            judged: true,
            healthy: assessment.healthy,
            reason: assessment.healthy ? null : assessment.reason,
          },
    remediation: {
      state: host.remediationState,
      attempts: host.remediationAttempts,
      lastAt: iso(host.lastRemediationAt),
      history: history.map((event) => ({ ...event, at: iso(event.at) })),
    },
  };
}
