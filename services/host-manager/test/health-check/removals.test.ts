// RemoveInstances that holds (remove mode), on the real driver against the fake ESS:
// a cycle's removals go out in calls of at most 20; what ESS refuses (an activity in
// progress, MinSize, its flow control) stays queued and is sent again next cycle, never lost.
import { fakeCloudHarness, type FakeCloudHarness } from "../support/health-check";

let t: FakeCloudHarness | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

const FLEET = 150;
const BROKEN = 25;

/** A fleet of 150 in which 25 never report: rebooted, then replaced 25 at once. */
async function upToTheReplace(): Promise<FakeCloudHarness> {
  const h = await fakeCloudHarness({ hosts: FLEET, replaceMode: "remove" });
  t = h;
  await h.check.run();
  const ids = h.store.listActive().map((host) => host.instanceId);
  const healthy = ids.slice(BROKEN);
  h.heartbeat(healthy);
  h.clock.advanceMinutes(21);
  h.heartbeat(healthy);
  const rebooted = await h.check.run();
  expect(rebooted.actions.filter((a) => a.action === "reboot")).toHaveLength(BROKEN);
  h.clock.advanceMinutes(16);
  h.heartbeat(healthy);
  return h;
}

const removeCalls = (h: FakeCloudHarness) =>
  h.fake.callsOf("RemoveInstances").map((call) => ({
    ids: Object.keys(call.params).filter((k) => k.startsWith("InstanceId.")).length,
    status: call.status,
  }));

describe("removals in remove mode", () => {
  it("replaces 25 hosts at once in calls of at most 20, the rest when ESS's activity ends", async () => {
    const h = await upToTheReplace();
    const first = await h.check.run();
    // 20 accepted; ESS then runs a scaling activity, so the other 5 wait (retried with
    // backoff inside the call, then queued for the next cycle).
    expect(first.removals).toMatchObject({ accepted: 20, pending: 5 });
    expect(first.removals?.error).toMatch(/ScalingActivityInProgress/);
    expect(first.actions.filter((a) => a.outcome === "ok")).toHaveLength(20);
    expect(first.actions.filter((a) => a.outcome === "pending")).toHaveLength(5);
    expect(removeCalls(h)[0]).toEqual({ ids: 20, status: 200 });
    expect(
      removeCalls(h)
        .slice(1)
        .every((c) => c.ids === 5 && c.status === 400),
    ).toBe(true);
    expect(h.removals.list()).toHaveLength(5);

    h.clock.advanceMinutes(5);
    const queued = new Set(h.removals.list().map((r) => r.instanceId));
    h.heartbeat(
      h.store
        .listActive()
        .filter((host) => !queued.has(host.instanceId))
        .map((host) => host.instanceId),
    );
    const second = await h.check.run();
    expect(second.removals).toMatchObject({ accepted: 5, pending: 0 });
    // Accepted now, asked for a cycle ago: shown as done in this cycle.
    expect(second.actions.filter((a) => a.action === "replace" && a.outcome === "ok")).toHaveLength(
      5,
    );
    expect(h.fake.replaced).toHaveLength(BROKEN);
    expect(new Set(h.fake.replaced.map((r) => r.instanceId)).size).toBe(BROKEN);
    expect(h.removals.list()).toEqual([]);
    const removed = h.fake.replaced[0]?.instanceId as string;
    expect(h.store.events(removed).map((e) => [e.action, e.outcome])).toEqual([
      ["replace", "ok"],
      ["replace", "pending"],
      ["reboot", "ok"],
    ]);
  });

  it("replaces 25 at once under ESS's flow control: the throttled batch kept and sent later", async () => {
    const h = await upToTheReplace();
    // No activity lock this time: both batches go out in one cycle, and ESS throttles
    // the second (Throttling.User, HTTP 400, one RemoveInstances a second here).
    h.fake.activityMs = 0;
    h.fake.rateLimits.RemoveInstances = 1;
    const first = await h.check.run();
    expect(first.removals).toMatchObject({ accepted: 20, pending: 5 });
    expect(first.removals?.error).toMatch(/Throttling\.User/);
    expect(removeCalls(h)[0]).toEqual({ ids: 20, status: 200 });
    expect(
      removeCalls(h)
        .slice(1)
        .every((c) => c.ids === 5 && c.status === 400),
    ).toBe(true);
    // A real second later the rate allows another call; the 5 go in the next cycle.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    h.clock.advanceMinutes(5);
    const second = await h.check.run();
    expect(second.removals).toMatchObject({ accepted: 5, pending: 0 });
    expect(new Set(h.fake.replaced.map((r) => r.instanceId)).size).toBe(BROKEN);
    expect(h.removals.list()).toEqual([]);
  });

  it("keeps removals ESS refuses for MinSize and sends them once the group can take them", async () => {
    const h = await upToTheReplace();
    h.fake.minSize = FLEET;
    const refused = await h.check.run();
    expect(refused.removals).toMatchObject({ accepted: 0, pending: BROKEN });
    expect(refused.removals?.error).toMatch(/IncorrectCapacity\.MinSize/);
    // Halved once within MinSize's reach, then left for the next cycle.
    expect(removeCalls(h).every((c) => c.status === 400)).toBe(true);
    expect(h.fake.replaced).toEqual([]);
    // The hosts are being replaced, so the ladder does not act on them again meanwhile.
    h.clock.advanceMinutes(30);
    h.heartbeat(
      h.store
        .listActive()
        .slice(BROKEN)
        .map((host) => host.instanceId),
    );
    const waiting = await h.check.run();
    expect(waiting.actions.filter((a) => a.action !== "replace")).toEqual([]);
    expect(h.removals.list()).toHaveLength(BROKEN);

    h.fake.minSize = 0;
    h.clock.advanceMinutes(5);
    const accepted = await h.check.run();
    expect(accepted.removals).toMatchObject({ accepted: 20, pending: 5 });
    h.clock.advanceMinutes(5);
    await h.check.run();
    expect(h.fake.replaced).toHaveLength(BROKEN);
    expect(h.removals.list()).toEqual([]);
  });

  it("resends a removal whose answer was lost with its ClientToken: carried out once", async () => {
    const h = await fakeCloudHarness({ hosts: 10, replaceMode: "remove", readTimeoutMs: 300 });
    t = h;
    await h.check.run();
    const broken = h.store.listActive()[0]?.instanceId as string;
    const healthy = h.store
      .listActive()
      .slice(1)
      .map((host) => host.instanceId);
    h.heartbeat(healthy);
    h.clock.advanceMinutes(21);
    h.heartbeat(healthy);
    await h.check.run();
    h.clock.advanceMinutes(16);
    h.heartbeat(healthy);
    // ESS carries out the first request, and its answer never arrives; the driver resends it.
    h.fake.faults.push({ action: "RemoveInstances", kind: "lost-answer", times: 1 });
    const summary = await h.check.run();
    expect(summary.removals).toMatchObject({ accepted: 1, pending: 0 });
    const calls = h.fake.callsOf("RemoveInstances");
    expect(calls.map((c) => c.status)).toEqual([0, 200]);
    expect(calls[1]?.params.ClientToken).toBe(calls[0]?.params.ClientToken);
    expect(h.fake.replaced.map((r) => r.instanceId)).toEqual([broken]);
  });

  it("drops a queued removal whose host came back meanwhile", async () => {
    const h = await upToTheReplace();
    h.fake.startActivity(60 * 60_000);
    await h.check.run();
    const back = h.removals.list()[0]?.instanceId as string;
    h.fake.startActivity(0);
    h.clock.advanceMinutes(5);
    h.heartbeat([back]);
    const next = await h.check.run();
    expect(next.recovered).toEqual([back]);
    expect(h.fake.replaced.some((r) => r.instanceId === back)).toBe(false);
    expect(h.removals.list().some((r) => r.instanceId === back)).toBe(false);
  });

  it("drops a queued removal whose host left the group meanwhile", async () => {
    const h = await upToTheReplace();
    h.fake.startActivity(60 * 60_000);
    await h.check.run();
    expect(h.removals.list()).toHaveLength(BROKEN);
    // ESS itself removes one of them.
    const gone = h.removals.list()[0]?.instanceId as string;
    h.fake.instances.delete(gone);
    h.fake.startActivity(0);
    h.clock.advanceMinutes(5);
    const next = await h.check.run();
    expect(next.removals).toMatchObject({ accepted: 20, pending: BROKEN - 21 });
    expect(h.fake.replaced.some((r) => r.instanceId === gone)).toBe(false);
  });
});
