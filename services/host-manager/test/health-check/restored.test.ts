// A host the scaling group gives back (listed again after it was archived) gets a fresh
// grace, on the real driver against the fake ESS: while it was archived its reports were
// refused, so its old last report says nothing about it. It is judged only on the time
// since it came back, and remediated if it then stays silent past the timeout.
import type { FakeInstance } from "../support/fake-alicloud";
import { fakeCloudHarness, type FakeCloudHarness } from "../support/health-check";

let t: FakeCloudHarness | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

describe("a host restored to the group", () => {
  it("is judged from its restore, not from its last report before it left", async () => {
    const h = await fakeCloudHarness({ hosts: 6 });
    t = h;
    await h.check.run();
    h.heartbeat();
    const away = h.store.listActive()[0]?.instanceId as string;
    const others = h.store
      .listActive()
      .slice(1)
      .map((host) => host.instanceId);
    // It leaves the listing (ESS detached it, or a listing lost it) and is archived.
    const instance = h.fake.instances.get(away) as FakeInstance;
    h.fake.instances.delete(away);
    h.clock.advanceMinutes(5);
    h.heartbeat(others);
    expect((await h.check.run()).inventory.archived).toBe(1);
    // Half an hour away: whatever it sent was refused as from an unknown instance.
    for (let minute = 0; minute < 30; minute += 5) {
      h.clock.advanceMinutes(5);
      h.heartbeat(others);
      await h.check.run();
    }
    h.fake.instances.set(away, instance);
    h.clock.advanceMinutes(1);
    h.heartbeat(others);
    const back = await h.check.run();
    expect(back.inventory.restored).toBe(1);
    expect(back.actions).toEqual([]);
    expect(back.unhealthyHosts).toEqual([]);
    expect(h.fake.reboots).toEqual([]);
    // It reports again, and all is well; silent from its restore on, it is rebooted.
    h.clock.advanceMinutes(5);
    h.heartbeat(others);
    expect((await h.check.run()).actions).toEqual([]);
    h.clock.advanceMinutes(6);
    h.heartbeat(others);
    const silent = await h.check.run();
    expect(silent.actions).toEqual([
      expect.objectContaining({ instanceId: away, action: "reboot", reason: "heartbeat-timeout" }),
    ]);
  });
});
