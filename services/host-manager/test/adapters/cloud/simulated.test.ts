// The simulated scaling group as a configuration creates it: the generations its
// instances are tagged with, first and after a replacement.
import { createCloudDriver } from "../../../src/adapters/cloud/create-driver";
import type { SimulatedCloud } from "../../../src/adapters/cloud/simulated";
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
