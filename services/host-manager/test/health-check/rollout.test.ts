// Rolling replacement in the cycle: replacing within the budget and recording it, dry
// run, failed calls, and the storm guard holding it.
import type { SimulatedCloud } from "../../src/adapters/cloud/simulated";
import type { CloudDriver } from "../../src/domain/cloud";
import { healthCheckHarness, type HealthCheckHarness } from "../support/health-check";

const OLD = "aaaaaaaaaaaaaaaa";
const NEW = "bbbbbbbbbbbbbbbb";

/** The simulated group, but its replace calls are refused (a RAM denial) while `failing`. */
class DenyingCloud implements CloudDriver {
  readonly name = "sim";
  failing = false;
  constructor(private readonly sim: SimulatedCloud) {}
  listInstances() {
    return this.sim.listInstances();
  }
  rebootInstance(id: string) {
    return this.sim.rebootInstance(id);
  }
  async replaceInstance(id: string, mode: Parameters<CloudDriver["replaceInstance"]>[1]) {
    if (this.failing)
      throw Object.assign(new Error("denied"), { code: "Forbidden.RAM", statusCode: 403 });
    return this.sim.replaceInstance(id, mode);
  }
}

describe("rollout in the cycle", () => {
  let open: HealthCheckHarness<DenyingCloud> | undefined;
  afterEach(() => {
    open?.close();
    open = undefined;
  });

  /** Ten hosts of generation OLD, rolling towards NEW; closed after the test. */
  function setup(options: { dryRun?: boolean; failReplace?: boolean; minHealthy?: number } = {}) {
    const t = healthCheckHarness({
      simulated: { launchGeneration: OLD },
      cloud: (sim) => new DenyingCloud(sim),
      dryRun: options.dryRun ?? false,
      rollout: { generation: NEW, minHealthyPercentage: options.minHealthy ?? 80 },
    });
    t.cloud.failing = options.failReplace ?? false;
    open = t;
    return t;
  }

  it("replaces within the budget, records it on the host and the cycle, and counts outdated", async () => {
    const t = setup();
    await t.check.run();
    t.heartbeat();
    t.sim.generation = NEW;
    t.clock.advanceMinutes(5);
    const summary = await t.check.run();
    expect(summary.outdated).toBe(10);
    expect(summary.rollout).toEqual({
      generation: NEW,
      minHealthyPercentage: 80,
      healthy: 10,
      minHealthy: 8,
      inFlight: 0,
      budget: 2,
    });
    expect(summary.actions).toEqual([
      expect.objectContaining({
        instanceId: "i-sim-0001",
        action: "rollout-replace",
        outcome: "ok",
      }),
      expect.objectContaining({ instanceId: "i-sim-0002", action: "rollout-replace" }),
    ]);
    expect(t.sim.events.map((e) => [e.action, e.instanceId])).toEqual([
      ["replace", "i-sim-0001"],
      ["replace", "i-sim-0002"],
    ]);
    expect(t.store.events("i-sim-0001")[0]).toMatchObject({
      action: "rollout-replace",
      outcome: "ok",
      reason: "outdated-generation",
      detail: `generation ${OLD} -> ${NEW}; mode=set-unhealthy`,
    });
    // The replaced hosts left the group; their replacements carry the new generation.
    t.clock.advanceMinutes(5);
    t.heartbeat();
    const next = await t.check.run();
    expect(next.inventory).toMatchObject({ added: 2, archived: 2 });
    expect(t.store.get("i-sim-0011")?.generation).toBe(NEW);
    expect(next.outdated).toBe(8);
  });

  it("dry run records what it would replace and changes nothing", async () => {
    const t = setup({ dryRun: true });
    await t.check.run();
    t.heartbeat();
    t.clock.advanceMinutes(5);
    const summary = await t.check.run();
    expect(summary.actions.map((a) => [a.instanceId, a.action, a.outcome])).toEqual([
      ["i-sim-0001", "rollout-replace", "dry-run"],
      ["i-sim-0002", "rollout-replace", "dry-run"],
    ]);
    expect(t.sim.events).toEqual([]);
    expect(t.store.get("i-sim-0001")?.rolloutReplacedAt).toBeNull();
    expect(t.store.events("i-sim-0001")).toEqual([]);
  });

  it("a failed replace is recorded as an error, never as done, and tried again", async () => {
    const t = setup({ failReplace: true });
    await t.check.run();
    t.heartbeat();
    t.clock.advanceMinutes(5);
    const summary = await t.check.run();
    expect(summary.actions.map((a) => a.outcome)).toEqual(["error", "error"]);
    expect(summary.actions[0].error).toMatch(/Forbidden\.RAM/);
    expect(t.store.get("i-sim-0001")?.rolloutReplacedAt).toBeNull();
    expect(t.store.events("i-sim-0001")[0]).toMatchObject({
      action: "rollout-replace",
      outcome: "error",
    });
    t.cloud.failing = false;
    t.clock.advanceMinutes(5);
    t.heartbeat();
    const retried = await t.check.run();
    expect(retried.actions.map((a) => [a.instanceId, a.outcome])).toEqual([
      ["i-sim-0001", "ok"],
      ["i-sim-0002", "ok"],
    ]);
  });

  it("holds the rollout while the storm guard is open, and says so in the cycle", async () => {
    const t = setup({ minHealthy: 0 });
    await t.check.run();
    t.heartbeat();
    t.clock.advanceMinutes(11);
    // 5 of 10 go silent: above the 40% cap.
    t.heartbeat(
      t.store
        .listActive()
        .slice(5)
        .map((h) => h.instanceId),
    );
    const summary = await t.check.run();
    expect(summary.stormGuardOpen).toBe(true);
    expect(summary.rollout).toMatchObject({ held: "storm-guard", budget: 5 });
    expect(summary.actions).toEqual([]);
    expect(t.sim.events).toEqual([]);
  });
});
