// Rolling replacement by generation: the pure decision on an injected clock (budget,
// rounding, hosts in flight, storm guard), and the cycle around it (dry run, failed
// calls, the ladder leaving rolled hosts alone).
import { ManualClock } from "./support/manual-clock";
import { SimulatedCloud } from "../src/adapters/cloud/simulated";
import type { CloudDriver } from "../src/domain/cloud";
import { HealthCheck } from "../src/health-check/health-check";
import { Inventory } from "../src/health-check/inventory";
import { planRemediation } from "../src/domain/ladder";
import {
  minHealthyCount,
  planRollout,
  rolloutTimeoutMs,
  type RolloutSettings,
} from "../src/domain/rollout";
import { CycleStore } from "../src/adapters/storage/cycles";
import { openDatabase, schemaVersion } from "../src/adapters/storage/database";
import { createCloudDriver } from "../src/adapters/cloud/create-driver";
import { HostStore } from "../src/adapters/storage/hosts";
import type { HostRecord } from "../src/domain/host";
import {
  contextAt,
  host,
  MINUTE,
  report,
  settings,
  silentLogger,
  T0,
  tempDir,
  testConfig,
} from "./support/fixtures";

const OLD = "aaaaaaaaaaaaaaaa";
const NEW = "bbbbbbbbbbbbbbbb";
const at = (minutes: number) => T0 + minutes * MINUTE;
const NOW = at(60);

/** `n` healthy running hosts of generation `generation`, the lower numbers created earlier. */
function fleet(n: number, generation: string | null = OLD, from = 1): HostRecord[] {
  return Array.from({ length: n }, (_, i) =>
    host({
      instanceId: `i-r${String(i + from).padStart(4, "0")}`,
      cloudCreatedAt: at(-1000 + i + from),
      lastReportAt: at(59),
      generation,
    }),
  );
}

const rollout = (minHealthyPercentage = 80, generation: string | null = NEW): RolloutSettings => ({
  generation,
  minHealthyPercentage,
});
const decide = (hosts: HostRecord[], r = rollout(), stormGuardOpen = false, now = NOW) =>
  planRollout(hosts, contextAt(now), r, stormGuardOpen);
const ids = (hosts: readonly HostRecord[]) => hosts.map((h) => h.instanceId);

describe("rollout decision", () => {
  it("does nothing without a configured generation", () => {
    const d = decide(fleet(10), rollout(80, null));
    expect(d).toMatchObject({ outdated: 0, replace: [], held: null });
  });

  it("replaces the oldest healthy outdated hosts, up to healthy − ceil(total × min%)", () => {
    const hosts = fleet(10).reverse();
    const d = decide(hosts);
    expect(d).toMatchObject({ total: 10, healthy: 10, minHealthy: 8, outdated: 10, budget: 2 });
    expect(ids(d.replace)).toEqual(["i-r0001", "i-r0002"]);
  });

  it("makes no progress at 100%", () => {
    expect(decide(fleet(10), rollout(100))).toMatchObject({ budget: 0, replace: [] });
  });

  it("at 0% may replace every healthy outdated host at once", () => {
    expect(decide(fleet(10), rollout(0)).replace).toHaveLength(10);
  });

  it("rounds the healthy floor up", () => {
    expect(minHealthyCount(11, 80)).toBe(9); // 8.8
    expect(minHealthyCount(3, 50)).toBe(2); // 1.5
    expect(minHealthyCount(10, 80)).toBe(8);
    expect(minHealthyCount(0, 80)).toBe(0);
    expect(decide(fleet(11))).toMatchObject({ minHealthy: 9, budget: 2 });
    expect(decide(fleet(3), rollout(50))).toMatchObject({ minHealthy: 2, budget: 1 });
    // Below 5 hosts at 80% the floor leaves no room: nothing moves until it is lowered.
    expect(decide(fleet(4))).toMatchObject({ minHealthy: 4, budget: 0 });
  });

  it("counts replacements still in flight against the budget", () => {
    const hosts = fleet(10);
    // Replaced a cycle ago, still InService and healthy while ESS gets round to them.
    hosts[0] = { ...hosts[0], rolloutReplacedAt: at(55) };
    const d1 = decide(hosts);
    expect(d1).toMatchObject({ healthy: 10, inFlight: 1, budget: 1 });
    expect(ids(d1.replace)).toEqual(["i-r0002"]);
    // One is being removed (no longer judged) and still counts until it leaves the group.
    hosts[1] = { ...hosts[1], rolloutReplacedAt: at(55), lifecycleState: "Removing" };
    const d2 = decide(hosts);
    expect(d2).toMatchObject({ total: 9, healthy: 9, minHealthy: 8, inFlight: 2, budget: 0 });
    expect(d2.replace).toEqual([]);
    // Once gone from the group (archived), it no longer counts.
    hosts[1] = { ...hosts[1], archivedAt: at(58) };
    expect(decide(hosts)).toMatchObject({ inFlight: 1 });
  });

  it("a replace that never took effect stops counting as in flight after the rollout timeout", () => {
    const hosts = fleet(10);
    hosts[0] = { ...hosts[0], rolloutReplacedAt: NOW - rolloutTimeoutMs(settings) };
    const d = decide(hosts);
    expect(d).toMatchObject({ inFlight: 0, budget: 2 });
    expect(ids(d.replace)).toEqual(["i-r0001", "i-r0002"]);
  });

  it("leaves unhealthy, remediated, starting and current hosts alone, and counts none as healthy", () => {
    const hosts = [
      ...fleet(10, NEW, 11),
      host({ instanceId: "i-silent", generation: OLD, lastReportAt: at(30), cloudCreatedAt: 0 }),
      host({
        instanceId: "i-rebooting",
        generation: OLD,
        remediationState: "rebooting",
        cloudCreatedAt: 0,
        lastReportAt: at(59),
      }),
      host({
        instanceId: "i-starting",
        generation: OLD,
        status: 1,
        statusSince: at(55),
        lastReportAt: at(59),
        cloudCreatedAt: 0,
      }),
      host({ instanceId: "i-untagged", generation: null, lastReportAt: at(59), cloudCreatedAt: 0 }),
      host({ instanceId: "i-oldest", generation: OLD, lastReportAt: at(59), cloudCreatedAt: 1 }),
    ];
    const d = decide(hosts, rollout(50));
    // Healthy: the 10 current, the untagged one and i-oldest; the floor is ceil(15 / 2) = 8.
    expect(d).toMatchObject({ total: 15, healthy: 12, minHealthy: 8, outdated: 4, budget: 4 });
    expect(ids(d.replace)).toEqual(["i-oldest"]);
  });

  it("replaces nothing while the storm guard is open, and says so", () => {
    const d = decide(fleet(10), rollout(), true);
    expect(d).toMatchObject({ budget: 2, held: "storm-guard", replace: [] });
    expect(decide(fleet(10, NEW), rollout(), true).held).toBeNull();
  });

  it("the ladder leaves a rolled host alone while ESS removes it", () => {
    // Rolled 20 minutes ago and silent since: past the heartbeat timeout.
    const rolled = host({ generation: OLD, rolloutReplacedAt: at(40), lastReportAt: at(40) });
    const plan = planRemediation([rolled, ...fleet(4, NEW, 2)], contextAt(NOW));
    expect(plan).toMatchObject({ total: 4, unhealthy: 0, actions: [], unhealthyHosts: [] });
    // Had the replace not taken after the rollout timeout, it is judged again.
    const later = NOW + rolloutTimeoutMs(settings);
    const fresh = fleet(4, NEW, 2).map((h) => ({ ...h, lastReportAt: later }));
    expect(planRemediation([rolled, ...fresh], contextAt(later)).actions).toEqual([
      expect.objectContaining({ host: rolled, step: expect.objectContaining({ kind: "reboot" }) }),
    ]);
  });
});

describe("schema", () => {
  it("adds the generation columns to a version-1 database, keeping its hosts", () => {
    const dir = tempDir();
    try {
      // A database as the previous release left it: schema 1, one host.
      const v2 = openDatabase(dir.path);
      new HostStore(v2).syncInventory(
        [
          {
            instanceId: "i-old",
            privateIp: "10.0.0.9",
            createdAt: T0,
            lifecycleState: "InService",
            generation: null,
          },
        ],
        T0,
      );
      v2.exec(`ALTER TABLE hosts DROP COLUMN generation;
        ALTER TABLE hosts DROP COLUMN rollout_replaced_at; PRAGMA user_version = 1;`);
      v2.close();
      const db = openDatabase(dir.path);
      expect(schemaVersion(db)).toBe(2);
      expect(new HostStore(db).get("i-old")).toMatchObject({
        cloudPrivateIp: "10.0.0.9",
        generation: null,
        rolloutReplacedAt: null,
      });
      db.close();
    } finally {
      dir.remove();
    }
  });
});

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

describe("rollout in the cycle", () => {
  function setup(options: { dryRun?: boolean; failReplace?: boolean; minHealthy?: number } = {}) {
    const dir = tempDir();
    const clock = new ManualClock(T0);
    const sim = new SimulatedCloud(10, clock, { launchGeneration: OLD });
    let failReplace = options.failReplace ?? false;
    const cloud: CloudDriver = {
      name: "sim",
      listInstances: () => sim.listInstances(),
      rebootInstance: (id) => sim.rebootInstance(id),
      replaceInstance: async (id, mode) => {
        if (failReplace)
          throw Object.assign(new Error("denied"), { code: "Forbidden.RAM", statusCode: 403 });
        return sim.replaceInstance(id, mode);
      },
    };
    const db = openDatabase(dir.path);
    const store = new HostStore(db);
    const cycles = new CycleStore(db);
    const check = new HealthCheck({
      store,
      cycles,
      cloud,
      inventory: new Inventory(store, cloud, clock),
      clock,
      logger: silentLogger(),
      settings,
      replaceMode: "set-unhealthy",
      dryRun: options.dryRun ?? false,
      rollout: { generation: NEW, minHealthyPercentage: options.minHealthy ?? 80 },
      observingSince: T0,
    });
    const heartbeat = () =>
      store.applyReports(
        store
          .listActive()
          .map((h) => report(h.instanceId, { privateIp: h.cloudPrivateIp as string })),
        clock.now(),
      );
    const close = () => {
      db.close();
      dir.remove();
    };
    return {
      clock,
      sim,
      store,
      check,
      heartbeat,
      close,
      setFail: (v: boolean) => (failReplace = v),
    };
  }

  it("replaces within the budget, records it on the host and the cycle, and counts outdated", async () => {
    const t = setup();
    try {
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
    } finally {
      t.close();
    }
  });

  it("dry run records what it would replace and changes nothing", async () => {
    const t = setup({ dryRun: true });
    try {
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
    } finally {
      t.close();
    }
  });

  it("a failed replace is recorded as an error, never as done, and tried again", async () => {
    const t = setup({ failReplace: true });
    try {
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
      t.setFail(false);
      t.clock.advanceMinutes(5);
      t.heartbeat();
      const retried = await t.check.run();
      expect(retried.actions.map((a) => [a.instanceId, a.outcome])).toEqual([
        ["i-sim-0001", "ok"],
        ["i-sim-0002", "ok"],
      ]);
    } finally {
      t.close();
    }
  });

  it("holds the rollout while the storm guard is open, and says so in the cycle", async () => {
    const t = setup({ minHealthy: 0 });
    try {
      await t.check.run();
      t.heartbeat();
      t.clock.advanceMinutes(11);
      // 5 of 10 go silent: above the 40% cap.
      t.store.applyReports(
        t.store
          .listActive()
          .slice(5)
          .map((h) => report(h.instanceId, { privateIp: h.cloudPrivateIp as string })),
        t.clock.now(),
      );
      const summary = await t.check.run();
      expect(summary.stormGuardOpen).toBe(true);
      expect(summary.rollout).toMatchObject({ held: "storm-guard", budget: 5 });
      expect(summary.actions).toEqual([]);
      expect(t.sim.events).toEqual([]);
    } finally {
      t.close();
    }
  });
});
