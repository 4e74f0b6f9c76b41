// Deadlines, on the real driver against a fake ECS/ESS that answers slowly: an inventory
// refresh that takes too long fails the cycle's inventory (nothing synced, nothing done)
// instead of holding it; a cycle that takes too long is abandoned and recorded, the
// next run starts afresh instead of joining it, and /healthz says so until one finishes.
import type { CycleSummary } from "../../src/domain/cycle";
import { createService, type Service } from "../../src/service";
import { fakeDriver } from "../support/driver";
import { FakeAlicloud } from "../support/fake-alicloud";
import { silentLogger, T0, tempDir, testConfig } from "../support/fixtures";
import { fakeCloudHarness, type FakeCloudHarness } from "../support/health-check";
import { ManualClock } from "../support/manual-clock";

/** `promise`'s outcome within `ms` of real time, or that it had none by then. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | "still running"> =>
  Promise.race([
    promise,
    new Promise<"still running">((resolve) =>
      setTimeout(() => resolve("still running"), ms).unref(),
    ),
  ]);

describe("deadlines", () => {
  let t: FakeCloudHarness | undefined;
  afterEach(async () => {
    await t?.check.idle();
    await t?.shutdown();
    t = undefined;
  });

  it("an inventory refresh past its deadline fails the cycle's inventory, and the next one lists afresh", async () => {
    t = await fakeCloudHarness({ hosts: 120, inventoryDeadlineMs: 1_000 });
    await t.check.run();
    // Each DescribeScalingInstances page now takes 700 ms: three pages need 2.1 s.
    t.fake.delays.DescribeScalingInstances = 700;
    t.fake.instances.delete([...t.fake.instances.keys()][0] as string);
    const slow = await within(t.check.run(), 3_000);
    expect(slow).not.toBe("still running");
    expect((slow as CycleSummary).error).toMatch(/inventory refresh exceeded its deadline of 1 s/);
    expect((slow as CycleSummary).inventory.archived).toBe(0);
    // The given-up listing stopped at its next page instead of carrying on.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const pages = t.fake.callsOf("DescribeScalingInstances").length;
    expect(pages).toBeLessThanOrEqual(3 + 2);
    t.fake.delays.DescribeScalingInstances = 0;
    const next = await t.check.run();
    expect(next.error).toBeUndefined();
    expect(next.inventory.archived).toBe(1);
  });

  it("a cycle past its deadline is abandoned and recorded; the next run does not join it", async () => {
    t = await fakeCloudHarness({
      hosts: 10,
      connectTimeoutMs: 5_000,
      readTimeoutMs: 5_000,
      deps: { cycleDeadlineMs: 2_000, concurrency: 1 },
    });
    await t.check.run();
    const healthy = t.store
      .listActive()
      .slice(3)
      .map((h) => h.instanceId);
    t.heartbeat(healthy);
    t.clock.advanceMinutes(21);
    t.heartbeat(healthy);
    // Three reboots, one at a time, each answered after 1.5 s (inside the driver's timeouts).
    t.fake.delays.RebootInstance = 1_500;
    const first = t.check.run();
    const abandoned = await within(first, 3_000);
    expect(abandoned).toMatchObject({ abandoned: true, actions: [] });
    expect((abandoned as CycleSummary).error).toMatch(
      /cycle abandoned: health-check cycle exceeded its deadline of 2 s/,
    );
    expect(t.cycles.latest(1)[0]).toMatchObject({ abandoned: true, total: 10 });
    expect(t.check.abandonedAt()).not.toBeNull();
    // The abandoned cycle starts no call after its deadline; the one in flight ends.
    const started = t.fake.reboots.length;
    expect(started).toBeGreaterThanOrEqual(1);
    expect(started).toBeLessThan(3);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(t.fake.reboots).toHaveLength(started);
    // Later runs start a cycle of their own.
    t.fake.delays.RebootInstance = 0;
    const second = t.check.run();
    expect(second).not.toBe(first);
    const done = await second;
    expect(done.abandoned).toBeUndefined();
    expect(t.check.abandonedAt()).toBeNull();
  });
});

describe("/healthz after an abandoned cycle", () => {
  let service: Service | undefined;
  let fake: FakeAlicloud | undefined;
  const dir = tempDir();
  afterAll(async () => {
    await service?.stop();
    await fake?.stop();
    dir.remove();
  });

  it("says when the last cycle was abandoned, until one finishes", async () => {
    fake = new FakeAlicloud();
    const clock = new ManualClock(T0);
    fake.now = () => clock.now();
    for (let i = 0; i < 3; i++) fake.launch(T0);
    const endpoint = await fake.start();
    service = createService({
      config: testConfig(dir.path, {
        HOST_MANAGER_CYCLE_DEADLINE_SECONDS: "2",
        HOST_MANAGER_INVENTORY_DEADLINE_SECONDS: "60",
      }),
      clock,
      cloud: fakeDriver(endpoint, { clock }),
      logger: silentLogger(),
      schedule: false,
      defaultMetrics: false,
    });
    // Each page answered after the driver's connect timeout: retried, and slower still.
    fake.delays.DescribeScalingInstances = 2_500;
    const summary = await service.healthCheck.run();
    expect(summary.abandoned).toBe(true);
    const hung = await service.app.inject({ method: "GET", url: "/healthz" });
    expect(hung.statusCode).toBe(200);
    expect(hung.json()).toEqual({ ok: true, cycleAbandonedAt: new Date(T0).toISOString() });
    fake.delays.DescribeScalingInstances = 0;
    await service.healthCheck.idle();
    expect((await service.healthCheck.run()).abandoned).toBeUndefined();
    expect((await service.app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({
      ok: true,
    });
  });
});
