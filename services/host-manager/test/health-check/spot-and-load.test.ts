// Spot reclaims and saturated hosts in the cycle, on the real Alibaba Cloud driver against
// the fake ECS/ESS, so every call is counted where it would land. A host that reported
// the interruption notice is left alone however silent it goes, is counted apart from
// failures, and once ECS releases it is counted as reclaimed; a saturated host is flagged
// and never remediated.
import type { HostReport } from "../../src/domain/host";
import { DEFAULT_SATURATION } from "../../src/domain/load";
import { hostView } from "../../src/http/api/views";
import { contextAt, MINUTE, report, settings } from "../support/fixtures";
import { actingCalls, fakeCloudHarness, type FakeCloudHarness } from "../support/health-check";

let t: FakeCloudHarness | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

/** `id` reports running with `extra` (a notice, load figures), from its own address. */
function reportWith(h: FakeCloudHarness, id: string, extra: Partial<HostReport>): void {
  const privateIp = h.store.get(id)?.cloudPrivateIp ?? "10.0.0.1";
  h.store.applyReports([{ ...report(id, { privateIp }), ...extra } as HostReport], h.clock.now());
}

/** Ten hosts up and reporting; returns their ids. */
async function upAndRunning(h: FakeCloudHarness): Promise<string[]> {
  await h.check.run();
  h.heartbeat();
  await h.check.run();
  return h.store.listActive().map((host) => host.instanceId);
}

describe("a spot host with an interruption notice", () => {
  it("is never remediated, however long it stays silent, and is counted apart", async () => {
    const h = await fakeCloudHarness({ hosts: 10 });
    t = h;
    const [spot, ...others] = await upAndRunning(h);
    const releaseAt = new Date(h.clock.now() + 5 * MINUTE).toISOString().replace(/\.\d+Z$/, "Z");
    reportWith(h, spot, { spotTerminationTime: releaseAt });
    for (let cycle = 0; cycle < 6; cycle++) {
      // Silent from here on, past the heartbeat timeout, the cooldown and the retry limit.
      h.clock.advanceMs(11 * MINUTE);
      h.heartbeat(others);
      const summary = await h.check.run();
      expect(summary.spot).toEqual({ reclaiming: 1, reclaimed: 0 });
      expect(summary.unhealthyHosts).toEqual([]);
      expect(summary.actions).toEqual([]);
      expect(summary.total).toBe(9);
    }
    expect(actingCalls(h)).toEqual([]);
    expect(h.fake.reboots).toEqual([]);
    expect(h.store.get(spot)).toMatchObject({
      spotTerminationAt: Date.parse(releaseAt),
      remediationState: "none",
      remediationAttempts: 0,
    });
    const view = hostView(h.store.get(spot)!, [], contextAt(h.clock.now()));
    expect(view.spot).toBe("reclaiming");
    expect(view.health.judged).toBe(false);
  });

  it("keeps its notice when a later report could not read it", async () => {
    const h = await fakeCloudHarness({ hosts: 2 });
    t = h;
    const [spot] = await upAndRunning(h);
    reportWith(h, spot, { spotTerminationTime: "2026-01-01T13:00:00Z" });
    reportWith(h, spot, {});
    expect(h.store.get(spot)?.spotTerminationAt).toBe(Date.parse("2026-01-01T13:00:00Z"));
  });

  it("is counted as reclaimed, not failed, once ECS has released it", async () => {
    const h = await fakeCloudHarness({ hosts: 10 });
    t = h;
    const [spot, plain] = await upAndRunning(h);
    reportWith(h, spot, { spotTerminationTime: "2026-01-01T13:00:00Z" });
    // ECS releases the spot host; another host is removed from the group for another reason.
    h.fake.instances.delete(spot);
    h.fake.instances.delete(plain);
    const summary = await h.check.run();
    expect(summary.inventory.archived).toBe(2);
    expect(summary.spot).toEqual({ reclaiming: 0, reclaimed: 1 });
    expect(summary.failed).toBe(0);
    expect(actingCalls(h)).toEqual([]);
    expect(hostView(h.store.get(spot)!, [], contextAt(h.clock.now())).spot).toBe("reclaimed");
    expect(hostView(h.store.get(plain)!, [], contextAt(h.clock.now())).spot).toBeNull();
  });

  it("is taken as reclaiming when ECS locks it for release (Recycling), without its report", async () => {
    const h = await fakeCloudHarness({ hosts: 10 });
    t = h;
    const [spot, ...others] = await upAndRunning(h);
    // Too busy (or too far gone) to report: only ECS says so, in DescribeInstances.
    h.fake.instances.get(spot)!.locks = ["Recycling"];
    h.clock.advanceMs(11 * MINUTE);
    h.heartbeat(others);
    const summary = await h.check.run();
    expect(summary.spot).toEqual({ reclaiming: 1, reclaimed: 0 });
    expect(summary.actions).toEqual([]);
    expect(h.store.get(spot)?.spotTerminationAt).toBe(h.clock.now());
    h.fake.instances.delete(spot);
    expect((await h.check.run()).spot).toEqual({ reclaiming: 0, reclaimed: 1 });
    expect(actingCalls(h)).toEqual([]);
  });

  it("is not locked for release by ECS's other locks (financial, security)", async () => {
    const h = await fakeCloudHarness({ hosts: 3 });
    t = h;
    const [locked] = await upAndRunning(h);
    h.fake.instances.get(locked)!.locks = ["financial", "security"];
    expect((await h.check.run()).spot).toEqual({ reclaiming: 0, reclaimed: 0 });
    expect(h.store.get(locked)?.spotTerminationAt).toBeNull();
  });

  it("is not what holds the others back: a silent host without a notice is still rebooted", async () => {
    const h = await fakeCloudHarness({ hosts: 10 });
    t = h;
    const [spot, silent, ...others] = await upAndRunning(h);
    reportWith(h, spot, { spotTerminationTime: "2026-01-01T13:00:00Z" });
    h.clock.advanceMs(11 * MINUTE);
    h.heartbeat(others);
    const summary = await h.check.run();
    expect(summary.actions).toEqual([
      expect.objectContaining({ instanceId: silent, action: "reboot" }),
    ]);
    expect(h.fake.reboots).toEqual([silent]);
  });
});

describe("a saturated host", () => {
  const busy = {
    cpuPercent: 97.5,
    memoryAvailablePercent: 40,
    clientCpuPercent: 88,
    clientWorkingSetBytes: 2 ** 33,
  };

  it("is flagged after the sustained reports, and never remediated", async () => {
    const h = await fakeCloudHarness({ hosts: 10 });
    t = h;
    const [hot, ...others] = await upAndRunning(h);
    const view = () => {
      const record = h.store.get(hot)!;
      const load = h.store.load.recent([hot], DEFAULT_SATURATION.reports).get(hot) ?? [];
      return hostView(record, [], contextAt(h.clock.now()), load);
    };
    for (let i = 1; i <= DEFAULT_SATURATION.reports; i++) {
      h.clock.advanceMs(MINUTE);
      h.heartbeat(others);
      reportWith(h, hot, busy);
      expect(view().saturated).toBe(i === DEFAULT_SATURATION.reports);
    }
    expect(view().load).toEqual({
      cpuPercent: 97.5,
      memoryAvailablePercent: 40,
      clientCpuPercent: 88,
      clientWorkingSetBytes: 2 ** 33,
    });
    for (let cycle = 0; cycle < 4; cycle++) {
      h.clock.advanceMs(5 * MINUTE);
      h.heartbeat(others);
      reportWith(h, hot, busy);
      const summary = await h.check.run();
      expect(summary.unhealthyHosts).toEqual([]);
      expect(summary.actions).toEqual([]);
    }
    expect(actingCalls(h)).toEqual([]);
    expect(view().saturated).toBe(true);
    // One report under the thresholds, and the flag is down.
    reportWith(h, hot, { ...busy, cpuPercent: 20 });
    expect(view().saturated).toBe(false);
  });

  it("is flagged on memory alone, at the configured thresholds", async () => {
    const h = await fakeCloudHarness({ hosts: 2 });
    t = h;
    const [hot] = await upAndRunning(h);
    const strict = { cpuPercent: 99, memoryAvailablePercent: 5, reports: 2 };
    reportWith(h, hot, { cpuPercent: 10, memoryAvailablePercent: 4.5 });
    reportWith(h, hot, { cpuPercent: 10, memoryAvailablePercent: 5 });
    const context = contextAt(h.clock.now(), undefined, { ...settings, saturation: strict });
    const saturated = () =>
      hostView(h.store.get(hot)!, [], context, h.store.load.recent([hot], 2).get(hot) ?? [])
        .saturated;
    expect(saturated()).toBe(true);
    reportWith(h, hot, { cpuPercent: 98, memoryAvailablePercent: 6 });
    expect(saturated()).toBe(false);
  });
});
