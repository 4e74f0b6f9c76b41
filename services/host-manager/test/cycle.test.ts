// The health-check cycle around the policy: cloud faults never crash it or record
// remediations that did not happen; dry run changes nothing; a fresh database waits.
import { ManualClock } from "./support/manual-clock";
import { SimulatedCloud, simInstanceId } from "../src/adapters/cloud/simulated";
import type { CloudDriver, CloudInstance } from "../src/domain/cloud";
import { HealthCheck } from "../src/health-check/health-check";
import { Inventory } from "../src/health-check/inventory";
import { CycleStore } from "../src/adapters/storage/cycles";
import { openDatabase } from "../src/adapters/storage/database";
import { HostStore } from "../src/adapters/storage/hosts";
import { report, settings, silentLogger, T0, tempDir } from "./support/fixtures";

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

function setup(options: { hosts?: number; dryRun?: boolean; createdBefore?: number } = {}) {
  const dir = tempDir();
  const clock = new ManualClock(T0 - (options.createdBefore ?? 0));
  const sim = new SimulatedCloud(options.hosts ?? 10, clock);
  clock.set(T0);
  const cloud = new FlakyCloud(sim);
  const db = openDatabase(dir.path);
  const store = new HostStore(db);
  const cycles = new CycleStore(db);
  const inventory = new Inventory(store, cloud, clock);
  const check = new HealthCheck({
    store,
    cycles,
    cloud,
    inventory,
    clock,
    logger: silentLogger(),
    settings,
    replaceMode: "remove",
    dryRun: options.dryRun ?? false,
    observingSince: T0,
  });
  const heartbeat = (ids: string[]) =>
    store.applyReports(
      ids.map((id) => {
        const ip = store.get(id)?.cloudPrivateIp ?? "10.0.0.1";
        return report(id, { privateIp: ip });
      }),
      clock.now(),
    );
  const close = () => {
    db.close();
    dir.remove();
  };
  return { clock, sim, cloud, db, store, cycles, check, heartbeat, close, dir };
}

const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => simInstanceId(i + from));

describe("health-check cycle", () => {
  it("a failed cloud call is reported, not recorded as a remediation, and retried next cycle", async () => {
    const t = setup();
    try {
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
    } finally {
      t.close();
    }
  });

  it("an inventory failure skips remediation and is recorded on the cycle", async () => {
    const t = setup();
    try {
      await t.check.run();
      t.clock.advanceMinutes(25);
      t.heartbeat(ids(8, 3));
      t.cloud.failList = true;
      const summary = await t.check.run();
      expect(summary.error).toMatch(/Throttling\.User/);
      expect(summary.actions).toEqual([]);
      expect(t.sim.events).toEqual([]);
      expect(t.cycles.latest(1)[0].error).toMatch(/inventory/);
    } finally {
      t.close();
    }
  });

  it("dry run logs the actions and changes nothing", async () => {
    const t = setup({ dryRun: true });
    try {
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
    } finally {
      t.close();
    }
  });

  it("a fresh database with long-lived silent hosts remediates nothing within the start-up grace", async () => {
    const t = setup({ createdBefore: 24 * 60 * 60_000 });
    try {
      for (let minute = 0; minute <= 20; minute += 5) {
        const summary = await t.check.run();
        expect(summary.actions).toEqual([]);
        t.clock.advanceMinutes(5);
      }
      expect(t.sim.events).toEqual([]);
    } finally {
      t.close();
    }
  });

  it("cycles never overlap: a second call joins the running one", async () => {
    const t = setup();
    try {
      const [a, b] = [t.check.run(), t.check.run()];
      expect(a).toBe(b);
      await a;
      expect(t.cloud.listCalls).toBe(1);
    } finally {
      t.close();
    }
  });

  it("archives instances that left the group and keeps their history", async () => {
    const t = setup({ hosts: 3 });
    try {
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
    } finally {
      t.close();
    }
  });

  it("a restart keeps hosts, remediation state and cycles", async () => {
    const t = setup({ hosts: 5 });
    try {
      await t.check.run();
      t.clock.advanceMinutes(21);
      t.heartbeat(ids(4, 2));
      await t.check.run();
      const before = JSON.stringify([t.store.listAll(), t.store.allEvents(), t.cycles.latest(10)]);
      t.db.close();
      const db = openDatabase(t.dir.path);
      const store = new HostStore(db);
      expect(
        JSON.stringify([store.listAll(), store.allEvents(), new CycleStore(db).latest(10)]),
      ).toBe(before);
      expect(store.get("i-sim-0001")?.remediationState).toBe("rebooting");
      db.close();
    } finally {
      t.dir.remove();
    }
  });
});

describe("a refused reboot", () => {
  it("escalates straight to a replace, recorded as such", async () => {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const sim = new SimulatedCloud(5, clock);
    const cloud: CloudDriver = {
      name: "refusing",
      listInstances: () => sim.listInstances(),
      rebootInstance: async () => {
        throw Object.assign(
          new Error("The current status of the resource does not support this operation."),
          {
            code: "IncorrectInstanceStatus",
            statusCode: 403,
          },
        );
      },
      replaceInstance: (id, mode) => sim.replaceInstance(id, mode),
    };
    const db = openDatabase(dir.path);
    try {
      const store = new HostStore(db);
      const check = new HealthCheck({
        store,
        cycles: new CycleStore(db),
        cloud,
        inventory: new Inventory(store, cloud, clock),
        clock,
        logger: silentLogger(),
        settings,
        replaceMode: "set-unhealthy",
        dryRun: false,
        observingSince: T0,
      });
      await check.run();
      clock.advanceMinutes(21);
      store.applyReports(
        ids(4, 2).map((id) => report(id, { privateIp: store.get(id)?.cloudPrivateIp })),
        clock.now(),
      );
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
    } finally {
      db.close();
      dir.remove();
    }
  });
});
