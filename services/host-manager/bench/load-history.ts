// One process, one job: what reading the load history costs at 10,000 hosts that report
// load figures, against reading every active host's record (listActive: what a snapshot
// reads anyway), in the same run. A snapshot reads each batch of 250 hosts' newest
// samples to flag the saturated ones (the status page, /metrics) and for the host list's
// JSON. Prints the figures as JSON (last line) for run.ts; run alone:
// `npx ts-node --transpile-only bench/load-history.ts`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/adapters/storage/database";
import { HostStore } from "../src/adapters/storage/hosts";
import { DEFAULT_SATURATION, LOAD_HISTORY_LENGTH } from "../src/domain/load";

const HOSTS = Number(process.env.BENCH_HOSTS ?? 10_000);
const ROUNDS = 9;
/** Hosts a snapshot reads at a time (fleet-snapshot.ts). */
const BATCH = 250;
/** The goal: the read costs at most this many times listing the fleet's records. */
export const LOAD_READ_GOAL_RATIO = 1;

export type LoadHistoryFigures = {
  hosts: number;
  samplesPerHost: number;
  listActiveMs: number;
  recentMs: number;
  recentRatio: number;
};

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "hm-bench-load-"));
  const db = openDatabase(dir);
  try {
    const store = new HostStore(db);
    const now = Date.UTC(2026, 0, 1, 12);
    const ids = Array.from({ length: HOSTS }, (_, i) => `i-bench-${String(i).padStart(6, "0")}`);
    store.syncInventory(
      ids.map((instanceId) => ({
        instanceId,
        privateIp: "10.0.0.1",
        createdAt: now,
        lifecycleState: "InService",
        generation: null,
      })),
      now,
    );
    // A full history for every host, 1% of them saturated, written round-robin as a fleet would.
    for (let round = 0; round < LOAD_HISTORY_LENGTH; round++) {
      store.applyReports(
        ids.map((instanceId, i) => ({
          instanceId,
          privateIp: "10.0.0.1",
          mac: "00:16:3e:00:00:01",
          status: 2,
          logicalCpus: 16,
          physicalCpus: 8,
          clientVersion: "1.2.3",
          hostname: `hpc-${i}`,
          cpuPercent: i % 100 === 0 ? 99 : 40,
          memoryAvailablePercent: 50,
          clientCpuPercent: 30,
          clientWorkingSetBytes: 1e9,
        })),
        now + round * 60_000,
      );
    }
    const settings = DEFAULT_SATURATION;
    const reads = {
      listActive: () => store.listActive(),
      recent: () => {
        for (let from = 0; from < HOSTS; from += BATCH) {
          store.load.recent(ids.slice(from, from + BATCH), settings.reports);
        }
      },
    };
    const samples = {
      listActive: [] as number[],
      recent: [] as number[],
    };
    for (const read of Object.values(reads)) read(); // warm-up: SQLite's cache, the JIT
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating the order, so a machine that slows down weighs on all alike.
      const order =
        round % 2 === 0 ? (["listActive", "recent"] as const) : (["recent", "listActive"] as const);
      for (const name of order) samples[name].push(timed(reads[name]));
    }
    const listActiveMs = median(samples.listActive);
    const figures: LoadHistoryFigures = {
      hosts: HOSTS,
      samplesPerHost: LOAD_HISTORY_LENGTH,
      listActiveMs,
      recentMs: median(samples.recent),
      recentRatio: median(samples.recent) / listActiveMs,
    };
    if (process.env.BENCH_JSON_ONLY !== "1") {
      process.stderr.write(`${describeLoadHistoryBench(figures)}\n`);
    }
    process.stdout.write(JSON.stringify(figures) + "\n");
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as run.ts prints them. */
export function describeLoadHistoryBench(f: LoadHistoryFigures): string {
  const verdict = f.recentRatio <= LOAD_READ_GOAL_RATIO ? "ok" : "MISSED";
  return `load history   ${f.hosts.toLocaleString("en")} hosts, ${f.samplesPerHost} samples each, median of ${ROUNDS}: every host's newest samples, ${BATCH} hosts a query, ${f.recentMs.toFixed(1)} ms (${f.recentRatio.toFixed(2)}x listing every host's record, ${f.listActiveMs.toFixed(1)} ms; goal <= ${LOAD_READ_GOAL_RATIO}: ${verdict})`;
}

if (require.main === module) main();
