// The storm guard: above the cap of unhealthy hosts the plan remediates none, counting
// hosts under remediation and failed hosts as unhealthy.
import type { HealthSettings } from "../../src/domain/health-context";
import type { HostRecord } from "../../src/domain/host";
import { planRemediation } from "../../src/domain/ladder";
import { maxUnhealthyCount } from "../../src/domain/storm-guard";
import { at, contextAt, host, settings, T0 } from "../support/fixtures";

describe("storm guard", () => {
  const fleet = (healthy: number, unhealthy: number, extra: Partial<HostRecord>[] = []) => [
    ...Array.from({ length: healthy }, (_, i) =>
      host({ instanceId: `i-ok${i}`, lastReportAt: at(30) }),
    ),
    ...Array.from({ length: unhealthy }, (_, i) =>
      host({ instanceId: `i-bad${i}`, lastReportAt: at(0) }),
    ),
    ...extra.map((o, i) => host({ instanceId: `i-x${i}`, ...o })),
  ];
  const plan = (hosts: HostRecord[], s: HealthSettings = settings) =>
    planRemediation(hosts, contextAt(at(31), T0, s));

  it("rounds a percentage down", () => {
    expect(maxUnhealthyCount({ kind: "percent", value: 40 }, 9)).toBe(3);
    expect(maxUnhealthyCount({ kind: "percent", value: 40 }, 10)).toBe(4);
    expect(maxUnhealthyCount({ kind: "count", value: 5 }, 1000)).toBe(5);
  });

  it("acts when unhealthy hosts are at the cap (percentage)", () => {
    const p = plan(fleet(6, 4));
    expect(p.stormGuardOpen).toBe(false);
    expect(p.actions.map((a) => a.step.kind)).toEqual(["reboot", "reboot", "reboot", "reboot"]);
  });

  it("acts on none when unhealthy hosts exceed the cap (percentage)", () => {
    const p = plan(fleet(5, 5));
    expect(p.stormGuardOpen).toBe(true);
    expect(p.actions).toEqual([]);
    expect(p.unhealthyHosts.map((u) => u.instanceId)).toHaveLength(5);
  });

  it("honours a count cap", () => {
    const s = { ...settings, maxUnhealthy: { kind: "count" as const, value: 2 } };
    expect(plan(fleet(20, 2), s).stormGuardOpen).toBe(false);
    expect(plan(fleet(20, 3), s).stormGuardOpen).toBe(true);
  });

  it("counts hosts under remediation as unhealthy even while they look fine", () => {
    const s = { ...settings, maxUnhealthy: { kind: "count" as const, value: 2 } };
    const remediating = {
      lastReportAt: at(30),
      remediationState: "rebooting" as const,
      remediationAttempts: 1,
      lastRemediationAt: at(30.5),
    };
    const p = plan(fleet(10, 1, [remediating, remediating]), s);
    expect(p.unhealthy).toBe(3);
    expect(p.remediating).toBe(2);
    expect(p.stormGuardOpen).toBe(true);
    expect(p.actions).toEqual([]);
  });

  it("counts failed hosts as unhealthy", () => {
    const s = { ...settings, maxUnhealthy: { kind: "count" as const, value: 1 } };
    const p = plan(
      fleet(10, 1, [
        {
          lastReportAt: at(0),
          remediationState: "failed",
          remediationAttempts: 3,
          lastRemediationAt: at(1),
        },
      ]),
      s,
    );
    expect(p.failed).toBe(1);
    expect(p.stormGuardOpen).toBe(true);
  });

  it("still records recoveries while the guard is open", () => {
    const back = {
      lastReportAt: at(30.9),
      remediationState: "rebooting" as const,
      remediationAttempts: 1,
      lastRemediationAt: at(20),
    };
    const p = plan(fleet(2, 5, [back]));
    expect(p.stormGuardOpen).toBe(true);
    expect(p.bookkeeping.map((b) => b.step.kind)).toEqual(["recovered"]);
  });

  it("ignores hosts ESS is not keeping in service", () => {
    const p = plan(
      fleet(3, 0, [
        { lastReportAt: at(0), lifecycleState: "Removing" },
        { lastReportAt: at(0), lifecycleState: "Standby" },
      ]),
    );
    expect(p.total).toBe(3);
    expect(p.actions).toEqual([]);
  });
});
