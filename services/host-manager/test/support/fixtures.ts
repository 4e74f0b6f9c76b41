// Shared test fixtures: host records, settings, temp data dirs and configs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { loadConfig, type Config } from "../../src/adapters/env/config";
import type { HealthContext, HealthSettings } from "../../src/domain/health-context";
import { openDatabase, type Db } from "../../src/adapters/storage/database";
import { OperatorStore } from "../../src/adapters/storage/operators";
import type { HostRecord } from "../../src/domain/host";
import type { CycleSummary } from "../../src/domain/cycle";

export const MINUTE = 60_000;
export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
/** T0 plus `minutes`: the times the pure-rule tests speak in. */
export const at = (minutes: number) => T0 + minutes * MINUTE;
export const TOKEN = "t".repeat(20) + "0123456789abcdef";
/** The tokens of the operators every test service has: `ops` (operator) and `watcher` (viewer). */
export const OPERATOR = { name: "ops", token: "hmo_" + "o".repeat(43) } as const;
export const VIEWER = { name: "watcher", token: "hmo_" + "v".repeat(43) } as const;
/** A token being rotated out (HOST_MANAGER_TOKEN_PREVIOUS). */
export const PREVIOUS_TOKEN = "p".repeat(24) + "previous-token!!";

export const settings: HealthSettings = {
  startupTimeoutMs: 20 * MINUTE,
  heartbeatTimeoutMs: 10 * MINUTE,
  cooldownMs: 15 * MINUTE,
  maxAttempts: 3,
  maxUnhealthy: { kind: "percent", value: 40 },
};

/** The health rules' view of `now`, watching since T0 unless told otherwise. */
export function contextAt(
  now: number,
  observingSince: number = T0,
  healthSettings: HealthSettings = settings,
): HealthContext {
  return { now, observingSince, settings: healthSettings };
}

export function host(overrides: Partial<HostRecord> = {}): HostRecord {
  return {
    instanceId: "i-test0001",
    cloudPrivateIp: "10.0.0.5",
    lifecycleState: "InService",
    cloudCreatedAt: T0,
    firstSeenAt: T0,
    archivedAt: null,
    status: 2,
    statusSince: T0,
    lastReportAt: T0,
    privateIp: "10.0.0.5",
    mac: "00:16:3e:00:00:01",
    logicalCpus: 8,
    physicalCpus: 4,
    clientVersion: "1.2.3",
    hostname: "hpc-0001",
    remediationState: "none",
    remediationAttempts: 0,
    lastRemediationAt: null,
    generation: null,
    zone: null,
    rolloutReplacedAt: null,
    spotTerminationAt: null,
    cpuPercent: null,
    memoryAvailablePercent: null,
    clientCpuPercent: null,
    clientWorkingSetBytes: null,
    version: 1,
    ...overrides,
  };
}

export const silentLogger = () => pino({ level: "silent" });

/** A cycle record of `total` hosts, all healthy, that did nothing; override what a test needs. */
export function quietCycle(total: number, overrides: Partial<CycleSummary> = {}): CycleSummary {
  return {
    startedAt: 0,
    finishedAt: 0,
    total,
    healthy: total,
    unhealthy: 0,
    remediating: 0,
    failed: 0,
    maxUnhealthy: 4,
    stormGuardOpen: false,
    dryRun: false,
    inventory: { added: 0, archived: 0, restored: 0 },
    actions: [],
    recovered: [],
    unhealthyHosts: [],
    ...overrides,
  };
}

export function tempDir(prefix = "hm-test-"): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A new database in a temporary directory for each test of the calling block, closed and
 * removed after it; `reopen` closes it and opens it again (as a restart would).
 */
export function eachTestDatabase(): { readonly db: Db; readonly path: string; reopen(): Db } {
  let dir: ReturnType<typeof tempDir> | undefined;
  let db: Db | undefined;
  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(dir.path);
  });
  afterEach(() => {
    db?.close();
    dir?.remove();
  });
  return {
    get db() {
      return db as Db;
    },
    get path() {
      return (dir as ReturnType<typeof tempDir>).path;
    },
    reopen() {
      db?.close();
      db = openDatabase(this.path);
      return db;
    },
  };
}

export function testConfig(dataDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    HOST_MANAGER_DATA_DIR: dataDir,
    HOST_MANAGER_TOKEN: TOKEN,
    HOST_MANAGER_PORT: "0",
    HOST_MANAGER_LOG_LEVEL: "silent",
    // The suites that report with the fleet token run with the fallback on; the
    // registration tests set it off (test/identity).
    HOST_MANAGER_FLEET_TOKEN_FALLBACK: "true",
    ...env,
  });
}

export function report(instanceId: string, overrides: Record<string, unknown> = {}) {
  return {
    instanceId,
    privateIp: "10.0.0.5",
    mac: "00:16:3e:00:00:01",
    status: 2,
    logicalCpus: 8,
    physicalCpus: 4,
    clientVersion: "1.2.3",
    hostname: "hpc-0001",
    ...overrides,
  };
}

/** Adds VIEWER to the database in `dataDir` (once), as `host-manager operators add` would. */
export function addViewer(dataDir: string): void {
  const db = openDatabase(dataDir);
  try {
    const operators = new OperatorStore(db);
    if (!operators.byName(VIEWER.name)) {
      operators.addWithToken(VIEWER.name, "viewer", VIEWER.token, Date.now());
    }
  } finally {
    db.close();
  }
}

export const viewerAuth = { authorization: `Bearer ${VIEWER.token}` } as const;
