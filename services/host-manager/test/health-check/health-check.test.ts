// The health-check cycle around the ladder: cloud faults never crash it or record
// remediations that did not happen; dry run changes nothing; a fresh database waits.
import { simInstanceId, type SimulatedCloud } from "../../src/adapters/cloud/simulated";
import { CycleStore } from "../../src/adapters/storage/cycles";
import { openDatabase } from "../../src/adapters/storage/database";
import { HostStore } from "../../src/adapters/storage/hosts";
import type { CloudDriver, CloudInstance } from "../../src/domain/cloud";
import { healthCheckHarness, type HealthCheckHarness } from "../support/health-check";

class FlakyCloud implements CloudDriver {
  readonly name = "flaky";
  failList = false;
  failActions = false;
  listCalls = 0;
  constructor(readonly inner: SimulatedCloud) {}
  async listInstances(): Promise<CloudInstance[]> {
    this.listCalls++;
    if (this.failList) throw Object.assign(new Error("throttled"), { code: "Throttling.User" });
    return this.inner.listInstances();
  }
  async rebootInstance(id: string) {
    if (this.failActions)
      throw Object.assign(new Error("boom"), { code: "InternalError", statusCode: 500 });
    return this.inner.rebootInstance(id);
  }
  async replaceInstance(id: string) {
    if (this.failActions)
      throw Object.assign(new Error("boom"), { code: "InternalError", statusCode: 500 });
    return this.inner.replaceInstance(id, "remove");
  }
}

/**
 * ECS refuses to reboot an instance that is not Running, and this one is Stopped (the
 * driver asks ECS and says so on the error); the group still replaces it.
 */
const refusingReboots = (sim: SimulatedCloud): CloudDriver => ({
  name: "refusing",
  listInstances: () => sim.listInstances(),
  rebootInstance: async () => {
    throw Object.assign(
      new Error("The current status of the resource does not support this operation."),
      {
        code: "IncorrectInstanceStatus",
        statusCode: 403,
        instanceStatus: "Stopped",
      },
    );
  },
  replaceInstance: (id, mode) => sim.replaceInstance(id, mode),
});

const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => simInstanceId(i + from));

let open: HealthCheckHarness<CloudDriver> | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
});

/** A health check on a flaky cloud, closed after the test. */
function setup(options: { hosts?: number; dryRun?: boolean; createdBefore?: number } = {}) {
  const t = healthCheckHarness({
    ...options,
    cloud: (sim) => new FlakyCloud(sim),
    replaceMode: "remove",
  });
  open = t;
  return t;
}

describe("health-check cycle", () => {
  it("a failed cloud call is reported, not recorded as a remediation, and retried next cycle", async () => {
    const t = setup();
    await t.check.run();
    t.heartbeat(ids(9, 2)); // i-sim-0001 never reports
    t.clock.advanceMinutes(21);
    t.heartbeat(ids(9, 2));
    t.cloud.failActions = true;
    const failed = await t.check.run();
    expect(failed.actions).toEqual([
      expect.objectContaining({ instanceId: "i-sim-0001", action: "reboot", outcome: "error" }),
    ]);
    expect(t.store.get("i-sim-0001")).toMatchObject({
      remediationState: "none",
      remediationAttempts: 0,
      lastRemediationAt: null,
    });
    expect(t.sim.events).toEqual([]);
    expect(t.store.events("i-sim-0001")[0]).toMatchObject({ action: "reboot", outcome: "error" });
    t.cloud.failActions = false;
    t.clock.advanceMinutes(5);
    t.heartbeat(ids(9, 2));
    const retried = await t.check.run();
    expect(retried.actions).toEqual([
      expect.objectContaining({ instanceId: "i-sim-0001", action: "reboot", outcome: "ok" }),
    ]);
    expect(t.store.get("i-sim-0001")).toMatchObject({
      remediationState: "rebooting",
      remediationAttempts: 1,
      lastRemediationAt: t.clock.now(),
    });
  });

  it("an inventory failure skips remediation and is recorded on the cycle", async () => {
    const t = setup();
    await t.check.run();
    t.clock.advanceMinutes(25);
    t.heartbeat(ids(8, 3));
    t.cloud.failList = true;
    const summary = await t.check.run();
    expect(summary.error).toMatch(/Throttling\.User/);
    expect(summary.actions).toEqual([]);
    expect(t.sim.events).toEqual([]);
    expect(t.cycles.latest(1)[0].error).toMatch(/inventory/);
  });

  it("dry run logs the actions and changes nothing", async () => {
    const t = setup({ dryRun: true });
    await t.check.run();
    t.clock.advanceMinutes(21);
    t.heartbeat(ids(8, 3));
    const summary = await t.check.run();
    expect(summary.actions.map((a) => [a.instanceId, a.outcome])).toEqual([
      ["i-sim-0001", "dry-run"],
      ["i-sim-0002", "dry-run"],
    ]);
    expect(t.sim.events).toEqual([]);
    expect(t.store.get("i-sim-0001")?.remediationState).toBe("none");
  });

  it("a fresh database with long-lived silent hosts remediates nothing within the start-up grace", async () => {
    const t = setup({ createdBefore: 24 * 60 * 60_000 });
    for (let minute = 0; minute <= 20; minute += 5) {
      const summary = await t.check.run();
      expect(summary.actions).toEqual([]);
      t.clock.advanceMinutes(5);
    }
    expect(t.sim.events).toEqual([]);
  });

  it("cycles never overlap: a second call joins the running one", async () => {
    const t = setup();
    const [a, b] = [t.check.run(), t.check.run()];
    expect(a).toBe(b);
    await a;
    expect(t.cloud.listCalls).toBe(1);
  });

  it("archives instances that left the group and keeps their history", async () => {
    const t = setup({ hosts: 3 });
    await t.check.run();
    await t.sim.replaceInstance("i-sim-0002", "remove");
    const summary = await t.check.run();
    expect(summary.inventory).toMatchObject({ added: 1, archived: 1 });
    expect(t.store.get("i-sim-0002")?.archivedAt).toBe(t.clock.now());
    expect(t.store.listActive().map((h) => h.instanceId)).toEqual([
      "i-sim-0001",
      "i-sim-0003",
      "i-sim-0004",
    ]);
    expect(t.store.listAll()).toHaveLength(4);
  });

  it("a restart keeps hosts, remediation state and cycles", async () => {
    const t = setup({ hosts: 5 });
    await t.check.run();
    t.clock.advanceMinutes(21);
    t.heartbeat(ids(4, 2));
    await t.check.run();
    const before = JSON.stringify([t.store.listAll(), t.store.allEvents(), t.cycles.latest(10)]);
    t.db.close();
    const db = openDatabase(t.dataDir);
    const store = new HostStore(db);
    expect(
      JSON.stringify([store.listAll(), store.allEvents(), new CycleStore(db).latest(10)]),
    ).toBe(before);
    expect(store.get("i-sim-0001")?.remediationState).toBe("rebooting");
    db.close();
  });
});

describe("a refused reboot", () => {
  it("escalates straight to a replace, recorded as such", async () => {
    const t = healthCheckHarness({ hosts: 5, cloud: refusingReboots });
    open = t;
    const { check, clock, sim, store } = t;
    await check.run();
    clock.advanceMinutes(21);
    t.heartbeat(ids(4, 2));
    const summary = await check.run();
    expect(summary.actions).toEqual([
      expect.objectContaining({
        instanceId: "i-sim-0001",
        action: "replace",
        outcome: "ok",
        detail: expect.stringMatching(/IncorrectInstanceStatus/),
      }),
    ]);
    expect(sim.events.map((e) => [e.action, e.instanceId])).toEqual([["replace", "i-sim-0001"]]);
    expect(store.get("i-sim-0001")).toMatchObject({
      remediationState: "replacing",
      remediationAttempts: 1,
    });
    expect(store.events("i-sim-0001")[0]).toMatchObject({ action: "replace", outcome: "ok" });
  });
});
