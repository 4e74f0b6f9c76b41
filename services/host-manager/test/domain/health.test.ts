// One definition of healthy and unhealthy: the ladder's storm-guard count, the fleet
// states (status page, /metrics), their sums (Statuspage) and the API agree on every host.
import { assessHost } from "../../src/domain/assessment";
import {
  countByState,
  fleetHealth,
  fleetState,
  HEALTH_OF_STATE,
  type FleetState,
} from "../../src/domain/fleet-state";
import { judgedHealth } from "../../src/domain/health";
import { HostStatus, type HostRecord } from "../../src/domain/host";
import { planRemediation } from "../../src/domain/ladder";
import { hostView } from "../../src/http/api/views";
import { at, contextAt, host, T0 } from "../support/fixtures";

const context = contextAt(at(30), T0);

/** One host in each way the health check can see one. */
const FLEET: Record<string, HostRecord> = {
  running: host({ instanceId: "i-run", status: HostStatus.running, lastReportAt: at(29.5) }),
  silent: host({ instanceId: "i-silent", status: HostStatus.running, lastReportAt: at(1) }),
  starting: host({ instanceId: "i-start", status: HostStatus.created, cloudCreatedAt: at(25) }),
  rebootingLooksFine: host({
    instanceId: "i-reboot",
    status: HostStatus.running,
    lastReportAt: at(29.5),
    remediationState: "rebooting",
    remediationAttempts: 1,
    lastRemediationAt: at(29.8),
  }),
  failed: host({
    instanceId: "i-failed",
    status: HostStatus.running,
    lastReportAt: at(1),
    remediationState: "failed",
    remediationAttempts: 3,
    lastRemediationAt: at(2),
  }),
  standby: host({ instanceId: "i-standby", lifecycleState: "Standby", lastReportAt: at(1) }),
};

describe("healthy and unhealthy", () => {
  it("a host under remediation is unhealthy even while it looks fine", () => {
    const h = FLEET.rebootingLooksFine as HostRecord;
    expect(assessHost(h, context).healthy).toBe(true);
    expect(judgedHealth(assessHost(h, context), h.remediationState)).toEqual({
      healthy: false,
      reason: "remediating:rebooting",
    });
    expect(HEALTH_OF_STATE[fleetState(h, context)]).toBe("unhealthy");
  });

  it("the API says so of that host, and judges none out of service", () => {
    expect(hostView(FLEET.rebootingLooksFine as HostRecord, [], context).health).toEqual({
      judged: true,
      healthy: false,
      reason: "remediating:rebooting",
    });
    expect(hostView(FLEET.running as HostRecord, [], context).health.healthy).toBe(true);
    expect(hostView(FLEET.standby as HostRecord, [], context).health).toEqual({
      judged: false,
      healthy: null,
      reason: null,
    });
  });

  it("each host's state has the health judgedHealth gives it", () => {
    for (const h of Object.values(FLEET)) {
      const state = fleetState(h, context);
      if (state === "out-of-service") continue;
      const healthy = judgedHealth(assessHost(h, context), h.remediationState).healthy;
      expect([h.instanceId, HEALTH_OF_STATE[state]]).toEqual([
        h.instanceId,
        healthy ? "healthy" : "unhealthy",
      ]);
    }
  });

  it("the fleet's figures from the states equal the ladder's, which the storm guard counts", () => {
    const hosts = Object.values(FLEET);
    const states: FleetState[] = hosts.map((h) => fleetState(h, context));
    const figures = fleetHealth(countByState(states));
    const plan = planRemediation(hosts, context);
    expect(figures).toEqual({
      judged: plan.total,
      healthy: plan.healthy,
      unhealthy: plan.unhealthy,
    });
    expect(figures).toEqual({ judged: 5, healthy: 2, unhealthy: 3 });
  });
});
