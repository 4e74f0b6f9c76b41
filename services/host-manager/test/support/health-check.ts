// A HealthCheck wired to a real database and a simulated scaling group on a manual
// clock, without the HTTP server: what the cycle tests drive by hand.
import { SimulatedCloud, type SimulatedOptions } from "../../src/adapters/cloud/simulated";
import { CycleStore } from "../../src/adapters/storage/cycles";
import { openDatabase, type Db } from "../../src/adapters/storage/database";
import { HostStore } from "../../src/adapters/storage/hosts";
import type { CloudDriver, ReplaceMode } from "../../src/domain/cloud";
import type { RolloutSettings } from "../../src/domain/rollout";
import { HealthCheck } from "../../src/health-check/health-check";
import { Inventory } from "../../src/health-check/inventory";
import { report, settings, silentLogger, T0, tempDir } from "./fixtures";
import { ManualClock } from "./manual-clock";

export interface HealthCheckHarnessOptions<C extends CloudDriver> {
  /** Size of the simulated scaling group. Defaults to 10. */
  readonly hosts?: number;
  /** How long before T0 the group's instances were created; the clock then stands at T0. */
  readonly createdBefore?: number;
  readonly simulated?: SimulatedOptions;
  /** The cloud the health check calls, around the simulated group (to inject faults). */
  readonly cloud?: (sim: SimulatedCloud) => C;
  /** Defaults to set-unhealthy, the service's default. */
  readonly replaceMode?: ReplaceMode;
  readonly dryRun?: boolean;
  readonly rollout?: RolloutSettings;
}

export interface HealthCheckHarness<C extends CloudDriver> {
  readonly clock: ManualClock;
  readonly sim: SimulatedCloud;
  readonly cloud: C;
  readonly db: Db;
  readonly store: HostStore;
  readonly cycles: CycleStore;
  readonly check: HealthCheck;
  readonly dataDir: string;
  /** The hosts report running now, from their own addresses; by default every active host. */
  heartbeat(instanceIds?: readonly string[]): void;
  /** Closes the database (if still open) and removes the data directory. */
  close(): void;
}

export function healthCheckHarness<C extends CloudDriver = SimulatedCloud>(
  options: HealthCheckHarnessOptions<C> = {},
): HealthCheckHarness<C> {
  const dir = tempDir();
  const clock = new ManualClock(T0 - (options.createdBefore ?? 0));
  const sim = new SimulatedCloud(options.hosts ?? 10, clock, options.simulated);
  clock.set(T0);
  // Without options.cloud, C is its default, SimulatedCloud.
  const cloud = options.cloud?.(sim) ?? (sim as unknown as C);
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
    replaceMode: options.replaceMode ?? "set-unhealthy",
    dryRun: options.dryRun ?? false,
    ...(options.rollout ? { rollout: options.rollout } : {}),
    observingSince: T0,
  });
  return {
    clock,
    sim,
    cloud,
    db,
    store,
    cycles,
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
