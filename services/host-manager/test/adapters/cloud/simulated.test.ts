// The simulated scaling group as a configuration creates it: the generations its
// instances are tagged with, first and after a replacement; and how long its reboots and
// replacements take when asked to take time (the simulated fleet of npm run host-manager).
import { createCloudDriver } from "../../../src/adapters/cloud/create-driver";
import { SimulatedCloud } from "../../../src/adapters/cloud/simulated";
import { classifyFailure } from "../../../src/adapters/cloud/errors";
import { T0, testConfig } from "../../support/fixtures";
import { ManualClock } from "../../support/manual-clock";

const OLD = "aaaaaaaaaaaaaaaa";
const NEW = "bbbbbbbbbbbbbbbb";

describe("simulated cloud generations", () => {
  it("tags its first hosts with the sim generation and later launches with the fleet's", async () => {
    const clock = new ManualClock(T0);
    const sim = createCloudDriver(
      testConfig("/tmp/unused", {
        HOST_MANAGER_SIM_HOSTS: "2",
        HOST_MANAGER_SIM_GENERATION: OLD,
        HOST_MANAGER_FLEET_GENERATION: NEW,
      }),
      clock,
    ) as SimulatedCloud;
    expect((await sim.listInstances()).map((i) => i.generation)).toEqual([OLD, OLD]);
    await sim.replaceInstance("i-sim-0001", "remove");
    expect((await sim.listInstances()).map((i) => [i.instanceId, i.generation])).toEqual([
      ["i-sim-0002", OLD],
      ["i-sim-0003", NEW],
    ]);
    // Tests move the scaling configuration on by hand.
    sim.generation = null;
    await sim.replaceInstance("i-sim-0002", "remove");
    expect((await sim.listInstances()).map((i) => i.generation)).toEqual([NEW, null]);
    // Without a sim generation, the first hosts are already current.
    const current = createCloudDriver(
      testConfig("/tmp/unused", { HOST_MANAGER_FLEET_GENERATION: NEW }),
      clock,
    );
    expect((await current.listInstances()).every((i) => i.generation === NEW)).toBe(true);
  });
});

describe("simulated cloud timing, as ECS and ESS take it", () => {
  const clock = () => new ManualClock(T0);

  it("keeps a rebooting instance down, and refuses a second reboot as ECS does", async () => {
    const c = clock();
    const sim = new SimulatedCloud(1, c, { rebootMs: 30_000 });
    const seen: [string, number][] = [];
    sim.observe({
      launched: () => undefined,
      rebooting: (id, upAt) => seen.push([id, upAt]),
      removed: () => undefined,
    });
    await sim.rebootInstance("i-sim-0001");
    expect(seen).toEqual([["i-sim-0001", T0 + 30_000]]);
    const refusal = await sim.rebootInstance("i-sim-0001").catch((error: unknown) => error);
    // Read as the health check reads it: a reboot under way, not a host that cannot reboot.
    expect(classifyFailure(refusal).kind).toBe("restarting");
    c.advanceMs(30_000);
    await expect(sim.rebootInstance("i-sim-0001")).resolves.toBeUndefined();
  });

  it("replaces with a new instance only after the delay, the old one Removing meanwhile", async () => {
    const c = clock();
    const sim = new SimulatedCloud(2, c, { replaceDelayMs: 60_000, addresses: "loopback" });
    await sim.replaceInstance("i-sim-0001", "set-unhealthy");
    const states = async () =>
      (await sim.listInstances()).map((i) => [i.instanceId, i.lifecycleState, i.privateIp]);
    expect(await states()).toEqual([
      ["i-sim-0001", "Removing", "127.1.0.5"],
      ["i-sim-0002", "InService", "127.1.0.6"],
    ]);
    // Asked again while it is on its way out: nothing more is launched.
    await sim.replaceInstance("i-sim-0001", "set-unhealthy");
    c.advanceMs(59_999);
    expect((await states()).length).toBe(2);
    c.advanceMs(1);
    expect(await states()).toEqual([
      ["i-sim-0002", "InService", "127.1.0.6"],
      ["i-sim-0003", "InService", "127.1.0.7"],
    ]);
    expect(sim.events).toEqual([
      { at: T0, action: "replace", instanceId: "i-sim-0001", replacement: "i-sim-0003" },
    ]);
    expect((await sim.listInstances())[1].createdAt).toBe(T0 + 60_000);
  });
});
