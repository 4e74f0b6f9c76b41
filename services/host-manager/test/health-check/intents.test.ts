// A remediation is recorded before its call and completed after, on the real driver
// against a fake ECS that loses answers: RebootInstance, which has no ClientToken, is
// never sent again after a timeout; a reboot with no answer counts as made (attempt and
// cooldown) rather than as an error with nothing counted; a manager that stops in the
// middle of one leaves it to the next, which takes it as made and does not reboot again.
import type { CloudDriver } from "../../src/domain/cloud";
import { HealthCheck } from "../../src/health-check/health-check";
import { fakeCloudHarness, type FakeCloudHarness } from "../support/health-check";
import { settings, silentLogger } from "../support/fixtures";

let t: FakeCloudHarness | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

/** Five hosts, the first of which never reports, up to the cycle that reboots it. */
async function upToTheReboot() {
  const h = await fakeCloudHarness({ hosts: 5, readTimeoutMs: 300 });
  t = h;
  await h.check.run();
  const broken = h.store.listActive()[0]?.instanceId as string;
  const others = h.store
    .listActive()
    .slice(1)
    .map((host) => host.instanceId);
  h.heartbeat(others);
  h.clock.advanceMinutes(21);
  h.heartbeat(others);
  return { h, broken, others };
}

/** Another manager on the same database (a restart), calling `cloud`. */
function managerOn(h: FakeCloudHarness, cloud: CloudDriver, cycleDeadlineMs?: number) {
  return new HealthCheck({
    store: h.store,
    cycles: h.cycles,
    cloud,
    removals: h.removals,
    inventory: h.inventory,
    clock: h.clock,
    logger: silentLogger(),
    settings,
    replaceMode: "set-unhealthy",
    dryRun: false,
    observingSince: h.check.observingSince,
    ...(cycleDeadlineMs !== undefined ? { cycleDeadlineMs } : {}),
  });
}

describe("a reboot without an answer", () => {
  it.each([
    ["held unanswered", "timeout"],
    ["carried out, its answer lost", "lost-answer"],
  ] as const)("(%s) is sent once, counted as made, and not sent again", async (_name, kind) => {
    const { h, broken, others } = await upToTheReboot();
    h.fake.faults.push({ action: "RebootInstance", kind, times: 5 });
    const summary = await h.check.run();
    expect(h.fake.callsOf("RebootInstance")).toHaveLength(1);
    expect(summary.actions).toEqual([
      expect.objectContaining({ instanceId: broken, action: "reboot", outcome: "unknown" }),
    ]);
    // The attempt is counted and its cooldown runs: not an error with nothing counted.
    expect(h.store.get(broken)).toMatchObject({
      remediationState: "rebooting",
      remediationAttempts: 1,
      lastRemediationAt: h.clock.now(),
    });
    expect(h.store.events(broken)[0]).toMatchObject({ action: "reboot", outcome: "unknown" });
    expect(h.store.intents.open()).toEqual([]);
    // Within the cooldown nothing more; after it, the next rung, not the same one again.
    h.clock.advanceMinutes(5);
    h.heartbeat(others);
    await h.check.run();
    expect(h.fake.callsOf("RebootInstance")).toHaveLength(1);
    h.clock.advanceMinutes(11);
    h.heartbeat(others);
    const later = await h.check.run();
    expect(later.actions).toEqual([
      expect.objectContaining({ instanceId: broken, action: "replace", outcome: "ok" }),
    ]);
    expect(h.fake.callsOf("RebootInstance")).toHaveLength(1);
  });

  it("throttled is sent again: flow control refuses before ECS acts", async () => {
    const { h, broken } = await upToTheReboot();
    h.fake.faults.push({ action: "RebootInstance", kind: "throttle", times: 2 });
    const summary = await h.check.run();
    expect(h.fake.callsOf("RebootInstance").map((c) => c.status)).toEqual([400, 400, 200]);
    expect(summary.actions).toEqual([
      expect.objectContaining({ instanceId: broken, action: "reboot", outcome: "ok" }),
    ]);
    expect(h.fake.reboots).toEqual([broken]);
  });
});

describe("a manager that stops in the middle of a remediation", () => {
  it("leaves it to the next, which counts it as made and does not reboot again", async () => {
    const { h, broken, others } = await upToTheReboot();
    // The reboot reaches ECS and is carried out; the process dies before it hears back.
    const dying: CloudDriver = {
      name: "dying",
      listInstances: (options) => h.cloud.listInstances(options),
      rebootInstance: async (id) => {
        await h.cloud.rebootInstance(id);
        await new Promise<never>(() => undefined);
      },
      replaceInstance: (id, mode) => h.cloud.replaceInstance(id, mode),
    };
    const abandoned = await managerOn(h, dying, 500).run();
    expect(abandoned.abandoned).toBe(true);
    expect(h.fake.reboots).toEqual([broken]);
    expect(h.store.intents.open()).toEqual([
      expect.objectContaining({ instanceId: broken, action: "reboot" }),
    ]);

    // The restart, a minute later: the host is Starting, still silent.
    h.clock.advanceMinutes(1);
    h.heartbeat(others);
    const restarted = managerOn(h, h.cloud);
    const summary = await restarted.run();
    expect(summary.actions).toEqual([]);
    expect(h.fake.callsOf("RebootInstance")).toHaveLength(1);
    expect(h.store.intents.open()).toEqual([]);
    expect(h.store.get(broken)).toMatchObject({
      remediationState: "rebooting",
      remediationAttempts: 1,
    });
    expect(h.store.events(broken)[0]).toMatchObject({
      action: "reboot",
      outcome: "unknown",
      detail: expect.stringContaining("interrupted"),
    });
    // After the cooldown it goes on from there: the replace.
    h.clock.advanceMinutes(15);
    h.heartbeat(others);
    const later = await restarted.run();
    expect(later.actions).toEqual([
      expect.objectContaining({ instanceId: broken, action: "replace", outcome: "ok" }),
    ]);
    expect(h.fake.callsOf("RebootInstance")).toHaveLength(1);
  });
});
