// Replaces that do not help are stopped, on the real driver against the fake ESS/ECS:
// a slot whose new hosts never come up (a bad image: every instance ESS launches there
// is as dead as the last) is failed after a few, with the reason on the cycle, instead
// of replaced forever one new instance id at a time; and the ladder replaces at most
// its budget per window, holding the rest until the window moves on.
import { fakeCloudHarness, type FakeCloudHarness } from "../support/health-check";

let t: FakeCloudHarness | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

describe("a slot whose new hosts never come up", () => {
  it.each(["set-unhealthy", "remove"] as const)(
    "is failed after three, says why, and is not replaced again (%s)",
    async (replaceMode) => {
      const h = await fakeCloudHarness({ hosts: 10, replaceMode });
      t = h;
      await h.check.run();
      const [dead, ...good] = h.store.listActive().map((host) => host.instanceId);
      // All came up; then one dies, and from then on only the nine good originals report.
      h.heartbeat();
      let last = await h.check.run();
      for (let minute = 5; minute <= 8 * 60; minute += 5) {
        h.clock.advanceMinutes(5);
        h.heartbeat(good);
        last = await h.check.run();
      }
      // The original, then two replacements that never came up, replaced; the third is
      // where the breaker opens.
      expect(h.fake.replaced).toHaveLength(3);
      expect(h.fake.replaced[0]?.instanceId).toBe(dead);
      const third = h.fake.replaced[2]?.replacement as string;
      expect(h.store.get(third)).toMatchObject({ remediationState: "failed" });
      expect(last.failedSlots).toEqual([
        expect.objectContaining({
          instanceId: third,
          reason: expect.stringMatching(/3 hosts in a row in this slot never came up/),
        }),
      ]);
      expect(h.store.events(third)[0]).toMatchObject({
        action: "mark-failed",
        reason: "slot-breaker",
      });
    },
  );

  it("is not failed when its new host came up and died later", async () => {
    const h = await fakeCloudHarness({ hosts: 10 });
    t = h;
    await h.check.run();
    const [first, ...good] = h.store.listActive().map((host) => host.instanceId);
    // Each new host in the slot reports for a while, then goes silent.
    const reporting = new Map<string, number>();
    for (let minute = 5; minute <= 10 * 60; minute += 5) {
      h.clock.advanceMinutes(5);
      const fresh = h.store
        .listActive()
        .map((host) => host.instanceId)
        .filter((id) => id !== first && !good.includes(id));
      for (const id of fresh) if (!reporting.has(id)) reporting.set(id, h.clock.now());
      const alive = fresh.filter((id) => h.clock.now() - (reporting.get(id) ?? 0) < 30 * 60_000);
      h.heartbeat([...good, ...alive]);
      await h.check.run();
    }
    expect(h.fake.replaced.length).toBeGreaterThan(3);
    expect(h.store.slots.failed()).toEqual([]);
  });
});

describe("the replacement budget", () => {
  it("holds replaces past it until the window moves on", async () => {
    const h = await fakeCloudHarness({
      hosts: 12,
      deps: { replaceGuard: { breakerLimit: 3, budget: 2, windowMs: 60 * 60_000 } },
    });
    t = h;
    await h.check.run();
    const ids = h.store.listActive().map((host) => host.instanceId);
    const good = ids.slice(3);
    h.heartbeat(ids);
    // Three hosts go silent together; rebooted, then due for a replace together.
    const cycle = async (minutes: number) => {
      h.clock.advanceMinutes(minutes);
      h.heartbeat(good);
      return h.check.run();
    };
    await cycle(11);
    const due = await cycle(16);
    expect(due.actions.filter((a) => a.action === "replace")).toHaveLength(2);
    expect(due.replacements).toMatchObject({ budget: 2, used: 0, held: 1 });
    expect(h.fake.replaced).toHaveLength(2);
    // Within the window: still held.
    expect((await cycle(30)).replacements).toMatchObject({ used: 2, held: 1 });
    expect(h.fake.replaced).toHaveLength(2);
    // The window moved on past the first two: the third is replaced.
    await cycle(31);
    expect(h.fake.replaced.map((r) => r.instanceId)).toContain(ids[2]);
  });
});
