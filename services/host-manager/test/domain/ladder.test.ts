// The remediation ladder on an injected clock: reboot first, replace after the cooldown,
// give up at the retry limit, and forget old attempts once a host stays healthy.
import { assessHost } from "../../src/domain/assessment";
import type { HealthSettings } from "../../src/domain/health-context";
import type { HostRecord } from "../../src/domain/host";
import { attemptMemoryMs, nextStep } from "../../src/domain/ladder";
import { at, contextAt, host, MINUTE, settings, T0 } from "../support/fixtures";

const step = (h: HostRecord, minutes: number, s: HealthSettings = settings) => {
  const context = contextAt(at(minutes), T0, s);
  return nextStep(h, assessHost(h, context), context);
};

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
