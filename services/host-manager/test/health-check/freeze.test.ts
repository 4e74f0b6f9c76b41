// The freeze and the rollout's pause in the cycle, on the real Alibaba Cloud driver
// against the fake ECS/ESS: calls are counted where they would land. Frozen, a silent
// host is still found and its reboot listed as held, and no RebootInstance,
// SetInstanceHealth or RemoveInstances is made; the freeze ending lets the next cycle
// act; a paused rollout holds only its own replacements.
import { GENERATION_TAG } from "../../src/domain/cloud";
import { MINUTE, T0 } from "../support/fixtures";
import { actingCalls, fakeCloudHarness, type FakeCloudHarness } from "../support/health-check";

const OLD = "aaaaaaaaaaaaaaaa";
const NEW = "bbbbbbbbbbbbbbbb";

let t: FakeCloudHarness | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

/** Ten hosts, all up; then the first goes silent past the heartbeat timeout. */
async function silentHost(h: FakeCloudHarness): Promise<string> {
  await h.check.run();
  const [silent, ...good] = h.store.listActive().map((host) => host.instanceId);
  h.heartbeat();
  await h.check.run();
  h.clock.advanceMs(11 * MINUTE);
  h.heartbeat(good);
  return silent as string;
}

describe("a frozen fleet", () => {
  it.each(["set-unhealthy", "remove"] as const)(
    "gets no acting call while its silent host is detected and held (%s)",
    async (replaceMode) => {
      const h = await fakeCloudHarness({ hosts: 10, replaceMode });
      t = h;
      const now = h.clock.now();
      h.holds.setFreeze({
        by: "alice",
        reason: "bench",
        startedAt: now,
        endsAt: now + 60 * MINUTE,
      });
      const silent = await silentHost(h);
      const summary = await h.check.run();
      expect(summary.unhealthyHosts).toEqual([expect.objectContaining({ instanceId: silent })]);
      expect(summary.frozen).toMatchObject({ by: "alice", reason: "bench" });
      expect(summary.heldByFreeze).toEqual([
        { instanceId: silent, action: "reboot", reason: expect.any(String) },
      ]);
      expect(summary.actions).toEqual([]);
      // Still held cycle after cycle, and nothing reaches the cloud.
      h.clock.advanceMs(20 * MINUTE);
      h.heartbeat(
        h.store
          .listActive()
          .map((x) => x.instanceId)
          .filter((id) => id !== silent),
      );
      expect((await h.check.run()).heldByFreeze).toHaveLength(1);
      expect(actingCalls(h)).toEqual([]);
      expect(h.fake.reboots).toEqual([]);
      expect(h.fake.replaced).toEqual([]);
      expect(h.store.get(silent)).toMatchObject({
        remediationState: "none",
        remediationAttempts: 0,
      });
    },
  );

  it("acts in the first cycle after the freeze ends", async () => {
    const h = await fakeCloudHarness({ hosts: 10 });
    t = h;
    const now = h.clock.now();
    h.holds.setFreeze({ by: "alice", reason: "bench", startedAt: now, endsAt: now + 12 * MINUTE });
    const silent = await silentHost(h);
    expect((await h.check.run()).heldByFreeze).toHaveLength(1);
    expect(actingCalls(h)).toEqual([]);
    h.clock.advanceMs(MINUTE);
    const after = await h.check.run();
    expect(after.frozen).toBeUndefined();
    expect(after.heldByFreeze).toBeUndefined();
    expect(after.actions).toEqual([
      expect.objectContaining({ instanceId: silent, action: "reboot", outcome: "ok" }),
    ]);
    expect(actingCalls(h)).toEqual(["RebootInstance"]);
  });

  it("acts again once unfrozen by hand", async () => {
    const h = await fakeCloudHarness({ hosts: 10 });
    t = h;
    const now = h.clock.now();
    h.holds.setFreeze({ by: "alice", reason: "bench", startedAt: now, endsAt: now + 60 * MINUTE });
    await silentHost(h);
    await h.check.run();
    expect(actingCalls(h)).toEqual([]);
    expect(h.holds.clearFreeze()).toBe(true);
    await h.check.run();
    expect(actingCalls(h)).toEqual(["RebootInstance"]);
  });

  it("holds the rollout's replacements too", async () => {
    const h = await fakeCloudHarness({
      hosts: 10,
      rollout: { generation: NEW, minHealthyPercentage: 80 },
    });
    t = h;
    for (const instance of h.fake.instances.values()) instance.tags[GENERATION_TAG] = OLD;
    const now = h.clock.now();
    h.holds.setFreeze({ by: "alice", reason: "bench", startedAt: now, endsAt: now + 60 * MINUTE });
    await h.check.run();
    h.heartbeat();
    const summary = await h.check.run();
    expect(summary.outdated).toBe(10);
    expect(summary.rollout?.held).toBe("freeze");
    expect(summary.heldByFreeze?.map((held) => held.action)).toEqual([
      "rollout-replace",
      "rollout-replace",
    ]);
    expect(actingCalls(h)).toEqual([]);
  });
});

describe("a planned freeze window", () => {
  it("freezes the fleet inside it, and lets the first cycle after it act", async () => {
    // T0 is 12:00 UTC: a daily window from 12:00 for an hour.
    const h = await fakeCloudHarness({
      hosts: 10,
      deps: {
        freezeWindows: [
          { start: "0 0 12 * * *", durationMinutes: 60, timeZone: "UTC", reason: "nightly" },
        ],
      },
    });
    t = h;
    const silent = await silentHost(h);
    const inside = await h.check.run();
    expect(inside.frozen).toMatchObject({ by: "freeze window", endsAt: T0 + 60 * MINUTE });
    expect(inside.heldByFreeze).toEqual([expect.objectContaining({ instanceId: silent })]);
    expect(actingCalls(h)).toEqual([]);
    h.clock.set(T0 + 60 * MINUTE);
    h.heartbeat(
      h.store
        .listActive()
        .map((x) => x.instanceId)
        .filter((id) => id !== silent),
    );
    const after = await h.check.run();
    expect(after.frozen).toBeUndefined();
    expect(actingCalls(h)).toEqual(["RebootInstance"]);
  });
});

describe("a paused rollout", () => {
  it("holds only the rollout's replacements: the ladder still reboots", async () => {
    const h = await fakeCloudHarness({
      hosts: 10,
      rollout: { generation: NEW, minHealthyPercentage: 50 },
    });
    t = h;
    for (const instance of h.fake.instances.values()) instance.tags[GENERATION_TAG] = OLD;
    h.holds.pauseRollout({ by: "bob", reason: "look first", pausedAt: h.clock.now() });
    const silent = await silentHost(h);
    const summary = await h.check.run();
    expect(summary.rolloutPaused).toMatchObject({ by: "bob" });
    expect(summary.rollout?.held).toBe("paused");
    expect(summary.heldByRolloutPause?.length).toBeGreaterThan(0);
    expect(summary.heldByRolloutPause?.every((held) => held.action === "rollout-replace")).toBe(
      true,
    );
    expect(summary.actions).toEqual([
      expect.objectContaining({ instanceId: silent, action: "reboot", outcome: "ok" }),
    ]);
    expect(actingCalls(h)).toEqual(["RebootInstance"]);
    // Resumed, the rollout replaces (SetInstanceHealth, the default set-unhealthy mode).
    expect(h.holds.resumeRollout()).toBe(true);
    h.heartbeat();
    const resumed = await h.check.run();
    expect(resumed.actions.some((a) => a.action === "rollout-replace")).toBe(true);
    expect(actingCalls(h)).toContain("SetInstanceHealth");
  });
});
