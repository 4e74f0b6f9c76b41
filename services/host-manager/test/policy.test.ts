// The decision logic on an injected clock: timeouts, the ladder, the retry limit and the storm guard.
import { assessHost } from "../src/domain/assessment";
import type { HealthSettings } from "../src/domain/health-context";
import { attemptMemoryMs, nextStep, planRemediation } from "../src/domain/ladder";
import { maxUnhealthyCount } from "../src/domain/storm-guard";
import type { HostRecord } from "../src/domain/host";
import { contextAt, host, MINUTE, settings, T0 } from "./support/fixtures";

const at = (minutes: number) => T0 + minutes * MINUTE;
const judge = (h: HostRecord, minutes: number, observingSince = T0, s = settings) =>
  assessHost(h, contextAt(at(minutes), observingSince, s));
const step = (h: HostRecord, minutes: number, s = settings) =>
  nextStep(h, judge(h, minutes, T0, s), contextAt(at(minutes), T0, s));

describe("startup timeout", () => {
  const created = host({ status: 0, lastReportAt: null, statusSince: T0 });

  it("a host that never reported is healthy up to the startup timeout", () => {
    expect(judge(created, 20)).toEqual({ healthy: true });
  });

  it("a host that never reported is unhealthy just past the startup timeout", () => {
    expect(judge(created, 20.01)).toEqual({ healthy: false, reason: "startup-timeout" });
  });

  it("the startup clock starts no earlier than the manager began observing (start-up grace)", () => {
    const old = host({ status: 0, lastReportAt: null, cloudCreatedAt: at(-600) });
    expect(judge(old, 19, T0)).toEqual({ healthy: true });
    expect(judge(old, 21, T0).healthy).toBe(false);
  });

  it("a host stuck in 'starting' is unhealthy after the startup timeout in that status", () => {
    const starting = host({ status: 1, statusSince: at(0), lastReportAt: at(25) });
    expect(judge(starting, 20)).toEqual({ healthy: true });
    expect(judge(starting, 26)).toEqual({ healthy: false, reason: "stuck-starting" });
  });
});

describe("heartbeat timeout", () => {
  it("a running host is healthy until it has been silent past the heartbeat timeout", () => {
    const running = host({ lastReportAt: at(0) });
    expect(judge(running, 10)).toEqual({ healthy: true });
    expect(judge(running, 10.5)).toEqual({ healthy: false, reason: "heartbeat-timeout" });
  });

  it("silence from before the manager started does not count (restart grace)", () => {
    const running = host({ lastReportAt: at(-120) });
    expect(judge(running, 9, at(0)).healthy).toBe(true);
    expect(judge(running, 11, at(0)).healthy).toBe(false);
  });

  it("a client that exited is given the heartbeat timeout to come back", () => {
    const exited = host({ status: 3, statusSince: at(0), lastReportAt: at(12) });
    expect(judge(exited, 9).healthy).toBe(true);
    expect(judge(exited, 12)).toEqual({ healthy: false, reason: "client-not-restarting" });
  });

  it("a client that gave up is unhealthy at once", () => {
    expect(judge(host({ status: 4, lastReportAt: at(0) }), 0)).toEqual({
      healthy: false,
      reason: "client-failed",
    });
  });
});

describe("remediation ladder", () => {
  const silent = host({ lastReportAt: at(0) });

  it("never acts on a healthy host", () => {
    expect(step(silent, 5)).toEqual({ kind: "none" });
  });

  it("reboots first", () => {
    expect(step(silent, 11)).toEqual({ kind: "reboot", reason: "heartbeat-timeout" });
  });

  it("waits out the cooldown after a reboot, then replaces if still unhealthy", () => {
    const rebooted = {
      ...silent,
      remediationState: "rebooting" as const,
      remediationAttempts: 1,
      lastRemediationAt: at(11),
    };
    expect(step(rebooted, 25)).toEqual({ kind: "wait" });
    expect(step(rebooted, 26)).toEqual({ kind: "replace", reason: "heartbeat-timeout" });
  });

  it("a rebooted host that reports running again has recovered", () => {
    const back = host({
      lastReportAt: at(14),
      remediationState: "rebooting",
      remediationAttempts: 1,
      lastRemediationAt: at(11),
    });
    expect(step(back, 15)).toEqual({ kind: "recovered" });
  });

  it("a rebooted host not yet heard from is still under remediation, not recovered", () => {
    const pending = host({
      lastReportAt: at(10.5),
      remediationState: "rebooting",
      remediationAttempts: 1,
      lastRemediationAt: at(11),
    });
    expect(step(pending, 12)).toEqual({ kind: "wait" });
  });

  it("marks the host failed at the retry limit and then stops acting on it", () => {
    const exhausted = {
      ...silent,
      remediationState: "replacing" as const,
      remediationAttempts: 3,
      lastRemediationAt: at(40),
    };
    expect(step(exhausted, 56)).toEqual({ kind: "mark-failed", reason: "heartbeat-timeout" });
    const failed = { ...exhausted, remediationState: "failed" as const };
    expect(step(failed, 500)).toEqual({ kind: "wait" });
  });

  it("honours a lower retry limit", () => {
    const once = {
      ...silent,
      remediationState: "rebooting" as const,
      remediationAttempts: 1,
      lastRemediationAt: at(11),
    };
    expect(step(once, 30, { ...settings, maxAttempts: 1 })).toEqual({
      kind: "mark-failed",
      reason: "heartbeat-timeout",
    });
  });

  it("a flapping host keeps its attempts until it has stayed healthy for a while", () => {
    const recovered = host({
      lastReportAt: at(29),
      remediationAttempts: 1,
      lastRemediationAt: at(11),
    });
    expect(step(recovered, 30)).toEqual({ kind: "none" });
    const memory = attemptMemoryMs(settings) / MINUTE;
    const later = { ...recovered, lastReportAt: at(11 + memory) };
    expect(step(later, 11 + memory)).toEqual({ kind: "reset-attempts" });
  });

  it("a host that fails again before its attempts are forgotten is replaced, not rebooted", () => {
    const again = host({ lastReportAt: at(30), remediationAttempts: 1, lastRemediationAt: at(11) });
    expect(step(again, 41)).toEqual({ kind: "replace", reason: "heartbeat-timeout" });
  });
});

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
