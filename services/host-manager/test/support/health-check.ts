// A HealthCheck wired to a real database on a manual clock, without the HTTP server:
// what the cycle tests drive by hand. On a simulated scaling group (healthCheckHarness)
// or on the real Alibaba Cloud driver against the fake ECS/ESS (fakeCloudHarness).
import { SimulatedCloud, type SimulatedOptions } from "../../src/adapters/cloud/simulated";
import { CycleStore } from "../../src/adapters/storage/cycles";
import { openDatabase, type Db } from "../../src/adapters/storage/database";
import { HoldStore } from "../../src/adapters/storage/holds";
import { HostStore } from "../../src/adapters/storage/hosts";
import { RemovalQueue } from "../../src/adapters/storage/removals";
import type { CloudDriver, ReplaceMode } from "../../src/domain/cloud";
import type { HealthSettings } from "../../src/domain/health-context";
import type { RolloutSettings } from "../../src/domain/rollout";
import { HealthCheck, type HealthCheckDeps } from "../../src/health-check/health-check";
import { Inventory } from "../../src/health-check/inventory";
import { fakeDriver } from "./driver";
import { FakeAlicloud } from "./fake-alicloud";
import { report, settings, silentLogger, T0, tempDir } from "./fixtures";
import { ManualClock } from "./manual-clock";

/** How the health check runs, whichever cloud it runs on. */
export interface CheckOptions {
  /** Defaults to set-unhealthy, the service's default. */
  readonly replaceMode?: ReplaceMode;
  readonly dryRun?: boolean;
  readonly rollout?: RolloutSettings;
  readonly settings?: HealthSettings;
  /** The inventory refresh's deadline; defaults to the service's. */
  readonly inventoryDeadlineMs?: number;
  /** Anything else the HealthCheck takes (deadlines, ...). */
  readonly deps?: Partial<HealthCheckDeps>;
}

export interface HealthCheckHarnessOptions<C extends CloudDriver> extends CheckOptions {
  /** Size of the simulated scaling group. Defaults to 10. */
  readonly hosts?: number;
  /** How long before T0 the group's instances were created; the clock then stands at T0. */
  readonly createdBefore?: number;
  readonly simulated?: SimulatedOptions;
  /** The cloud the health check calls, around the simulated group (to inject faults). */
  readonly cloud?: (sim: SimulatedCloud) => C;
}

/** A health check on a database in a temp directory, and what it is made of. */
export interface CheckCore<C extends CloudDriver> {
  readonly clock: ManualClock;
  readonly cloud: C;
  readonly db: Db;
  readonly store: HostStore;
  readonly cycles: CycleStore;
  readonly removals: RemovalQueue;
  readonly holds: HoldStore;
  readonly inventory: Inventory;
  readonly check: HealthCheck;
  readonly dataDir: string;
  /** The hosts report running now, from their own addresses; by default every active host. */
  heartbeat(instanceIds?: readonly string[]): void;
  /** Closes the database (if still open) and removes the data directory. */
  close(): void;
}

export interface HealthCheckHarness<C extends CloudDriver> extends CheckCore<C> {
  readonly sim: SimulatedCloud;
}

/** A HealthCheck calling `cloud`, watching since the clock's time now. */
export function checkOn<C extends CloudDriver>(
  cloud: C,
  clock: ManualClock,
  options: CheckOptions = {},
): CheckCore<C> {
  const dir = tempDir();
  const db = openDatabase(dir.path);
  const store = new HostStore(db);
  const cycles = new CycleStore(db);
  const removals = new RemovalQueue(db);
  const holds = new HoldStore(db);
  const inventory = new Inventory(store, cloud, clock, {
    ...(options.inventoryDeadlineMs !== undefined
      ? { deadlineMs: options.inventoryDeadlineMs }
      : {}),
  });
  const check = new HealthCheck({
    store,
    cycles,
    cloud,
    removals,
    holds,
    inventory,
    clock,
    logger: silentLogger(),
    settings: options.settings ?? settings,
    replaceMode: options.replaceMode ?? "set-unhealthy",
    dryRun: options.dryRun ?? false,
    ...(options.rollout ? { rollout: options.rollout } : {}),
    observingSince: clock.now(),
    ...options.deps,
  });
  return {
    clock,
    cloud,
    db,
    store,
    cycles,
    removals,
    holds,
    inventory,
    check,
    dataDir: dir.path,
    heartbeat(instanceIds = store.listActive().map((host) => host.instanceId)) {
      store.applyReports(
        instanceIds.map((id) =>
          report(id, { privateIp: store.get(id)?.cloudPrivateIp ?? "10.0.0.1" }),
        ),
        clock.now(),
      );
    },
    close() {
      if (db.open) db.close();
      dir.remove();
    },
  };
}

export function healthCheckHarness<C extends CloudDriver = SimulatedCloud>(
  options: HealthCheckHarnessOptions<C> = {},
): HealthCheckHarness<C> {
  const clock = new ManualClock(T0 - (options.createdBefore ?? 0));
  const sim = new SimulatedCloud(options.hosts ?? 10, clock, options.simulated);
  clock.set(T0);
  // Without options.cloud, C is its default, SimulatedCloud.
  const cloud = options.cloud?.(sim) ?? (sim as unknown as C);
  return { ...checkOn(cloud, clock, options), sim };
}

export interface FakeCloudHarness extends CheckCore<CloudDriver> {
  readonly fake: FakeAlicloud;
  /** Stops the fake cloud too. */
  shutdown(): Promise<void>;
}

/**
 * The real Alibaba Cloud driver against the fake ECS/ESS holding `hosts` instances
 * created at T0, on the harness's clock (the fake's scaling activities run on it too).
 */
export async function fakeCloudHarness(
  options: CheckOptions & {
    hosts?: number;
    readTimeoutMs?: number;
    connectTimeoutMs?: number;
  } = {},
): Promise<FakeCloudHarness> {
  const clock = new ManualClock(T0);
  const fake = new FakeAlicloud();
  fake.now = () => clock.now();
  fake.ecsPageSize = 100;
  for (let i = 0; i < (options.hosts ?? 10); i++) fake.launch(T0);
  const endpoint = await fake.start();
  const driver = fakeDriver(endpoint, {
    clock,
    ...(options.readTimeoutMs !== undefined ? { readTimeoutMs: options.readTimeoutMs } : {}),
    ...(options.connectTimeoutMs !== undefined
      ? { connectTimeoutMs: options.connectTimeoutMs }
      : {}),
  });
  const core = checkOn<CloudDriver>(driver, clock, options);
  return {
    ...core,
    fake,
    async shutdown() {
      core.close();
      await fake.stop();
    },
  };
}

/** The ECS and ESS actions that change the fleet. */
const ACTING_CALLS = ["RebootInstance", "SetInstanceHealth", "RemoveInstances"];

/** The cloud calls that change the fleet, made so far against the fake. */
export function actingCalls(h: FakeCloudHarness): string[] {
  return h.fake.calls.map((c) => c.action).filter((a) => ACTING_CALLS.includes(a));
}
