// Scheduled capacity in the cycle, on the real Alibaba Cloud driver against the fake
// ECS/ESS: calls are counted where they would land. When a schedule entry lowers the
// group's capacity (10 -> 6 at 12:05 UTC), the hosts ESS stops on the way out go silent;
// within the grace after the entry fires, as many silent hosts as it removes are neither
// counted unhealthy nor remediated. One more silent host than that is still a failure,
// and so is a silent host once the grace is over or without a schedule.
import { resolvedSchedules, scaleInGraceMs } from "../../src/domain/capacity-schedule";
import { MINUTE, settings, T0 } from "../support/fixtures";
import { actingCalls, fakeCloudHarness, type FakeCloudHarness } from "../support/health-check";

// T0 is 2026-01-01 12:00 UTC: the scale-in fires five minutes later.
const SCHEDULES = resolvedSchedules(
  [
    { at: "12:05", timeZone: "UTC", instanceCount: 6 },
    { at: "00:00", timeZone: "UTC", instanceCount: 10 },
  ],
  T0,
);

let t: FakeCloudHarness | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

/** Ten hosts up; then, past the scale-in, `silent` of them stop reporting. */
async function goSilent(h: FakeCloudHarness, silent: number): Promise<string[]> {
  await h.check.run();
  const ids = h.store.listActive().map((host) => host.instanceId);
  h.heartbeat();
  await h.check.run();
  h.clock.advanceMs(11 * MINUTE);
  h.heartbeat(ids.slice(silent));
  return ids.slice(0, silent);
}

describe("a scheduled scale-in", () => {
  it("leaves the hosts it removes alone: no unhealthy count, no remediation call", async () => {
    const h = await fakeCloudHarness({ hosts: 10, deps: { capacitySchedules: SCHEDULES } });
    t = h;
    const silent = await goSilent(h, 4);
    const summary = await h.check.run();
    expect(summary.unhealthy).toBe(0);
    expect(summary.total).toBe(6);
    expect(summary.actions).toEqual([]);
    // Cycle after cycle within the grace, nothing reaches the cloud.
    h.clock.advanceMs(15 * MINUTE);
    h.heartbeat(
      h.store
        .listActive()
        .map((x) => x.instanceId)
        .filter((id) => !silent.includes(id)),
    );
    expect((await h.check.run()).actions).toEqual([]);
    expect(actingCalls(h)).toEqual([]);
    for (const id of silent) {
      expect(h.store.get(id)).toMatchObject({ remediationState: "none", remediationAttempts: 0 });
    }
  });

  it("excuses no more hosts than the entry removes", async () => {
    const h = await fakeCloudHarness({ hosts: 10, deps: { capacitySchedules: SCHEDULES } });
    t = h;
    await goSilent(h, 5);
    const summary = await h.check.run();
    expect(summary.unhealthy).toBe(1);
    expect(summary.actions).toEqual([expect.objectContaining({ action: "reboot" })]);
    expect(actingCalls(h)).toEqual(["RebootInstance"]);
  });

  it("judges silent hosts as ever without a schedule", async () => {
    const h = await fakeCloudHarness({ hosts: 10 });
    t = h;
    await goSilent(h, 4);
    const summary = await h.check.run();
    expect(summary.unhealthy).toBe(4);
    expect(actingCalls(h)).toEqual(Array(4).fill("RebootInstance"));
  });

  it("judges them again once the grace after the entry is over", async () => {
    const h = await fakeCloudHarness({ hosts: 10, deps: { capacitySchedules: SCHEDULES } });
    t = h;
    const silent = await goSilent(h, 4);
    expect(actingCalls(h)).toEqual([]);
    // Still in the group well past the grace: not ESS's doing any more.
    h.clock.set(T0 + 5 * MINUTE + scaleInGraceMs(settings) + MINUTE);
    h.heartbeat(
      h.store
        .listActive()
        .map((x) => x.instanceId)
        .filter((id) => !silent.includes(id)),
    );
    const summary = await h.check.run();
    expect(summary.unhealthy).toBe(4);
    expect(actingCalls(h)).toEqual(Array(4).fill("RebootInstance"));
  });
});
