// Judging a host on an injected clock: the startup and heartbeat timeouts, and the
// start-up grace that keeps a restarted manager from blaming hosts for its downtime.
import { assessHost } from "../../src/domain/assessment";
import type { HostRecord } from "../../src/domain/host";
import { at, contextAt, host, settings, T0 } from "../support/fixtures";

const judge = (h: HostRecord, minutes: number, observingSince = T0) =>
  assessHost(h, contextAt(at(minutes), observingSince, settings));

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

  it("a client that gave up is unhealthy once a second report repeats it", () => {
    const failed = host({ status: 4, statusSince: at(0), lastReportAt: at(0) });
    expect(judge(failed, 0)).toEqual({ healthy: true });
    expect(judge({ ...failed, lastReportAt: at(0.5) }, 0.5)).toEqual({
      healthy: false,
      reason: "client-failed",
    });
  });

  it("a single failure report counts once it has stood for a heartbeat", () => {
    const failed = host({ status: 4, statusSince: at(0), lastReportAt: at(0) });
    expect(judge(failed, 0.99).healthy).toBe(true);
    expect(judge(failed, 1)).toEqual({ healthy: false, reason: "client-failed" });
  });
});
