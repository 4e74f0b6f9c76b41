// One process, one job: what the load history costs at 10,000 hosts that report load
// figures. Reading it, against reading every active host's record (listActive: what a
// snapshot reads anyway), in the same run: a snapshot reads each batch of 250 hosts'
// newest samples to flag the saturated ones (the status page, /metrics) and for the host
// list's JSON. And writing it: committing reports that carry figures (as every real
// heartbeat does) against the same reports without them, in groups of 100 (as the report
// writer commits them under 100 connections). Prints the figures as JSON (last line) for
// run.ts; run alone: `npx ts-node --transpile-only bench/load-history.ts`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../src/adapters/storage/database";
import { HostStore } from "../src/adapters/storage/hosts";
import type { HostReport } from "../src/domain/host";
import { DEFAULT_SATURATION, LOAD_HISTORY_LENGTH } from "../src/domain/load";

const HOSTS = Number(process.env.BENCH_HOSTS ?? 10_000);
const ROUNDS = 9;
/** Hosts a snapshot reads at a time (fleet-snapshot.ts). */
const BATCH = 250;
/** The goal: the read costs at most this many times listing the fleet's records. */
export const LOAD_READ_GOAL_RATIO = 1;
/** Reports a commit in the write measurement, and reports timed a round. */
const COMMIT = 100;
const WRITES = 10_000;
/** The goal: reports with figures cost at most this many times reports without. */
export const LOAD_WRITE_GOAL_RATIO = 1.5;

export type LoadHistoryFigures = {
  hosts: number;
  samplesPerHost: number;
  listActiveMs: number;
  recentMs: number;
  recentRatio: number;
  /** Per report, committed in groups of COMMIT, in microseconds. */
  writeUs: number;
  writeWithLoadUs: number;
  writeRatio: number;
};

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function timed(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A heartbeat as a host without load figures would send it. */
function bareReport(instanceId: string, i: number): HostReport {
  return {
    instanceId,
    privateIp: "10.0.0.1",
    mac: "00:16:3e:00:00:01",
    status: 2,
    logicalCpus: 16,
    physicalCpus: 8,
    clientVersion: "1.2.3",
    hostname: `hpc-${i}`,
  };
}

/** The same with the figures every real heartbeat carries; 1% of the hosts saturated. */
function loadedReport(instanceId: string, i: number): HostReport {
  return {
    ...bareReport(instanceId, i),
    cpuPercent: i % 100 === 0 ? 99 : 40,
    memoryAvailablePercent: 50,
    clientCpuPercent: 30,
    clientWorkingSetBytes: 1e9,
  };
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
        ids.map((instanceId, i) => loadedReport(instanceId, i)),
        now + round * 60_000,
      );
    }
    const settings = DEFAULT_SATURATION;
    // Hosts in a fixed pseudo-random order, so the commits touch the rows a fleet would.
    let seed = 1;
    const nextHost = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % HOSTS;
    const write = (withLoad: boolean) => () => {
      for (let done = 0; done < WRITES; done += COMMIT) {
        const reports = Array.from({ length: COMMIT }, () => {
          const i = nextHost();
          return withLoad ? loadedReport(ids[i], i) : bareReport(ids[i], i);
        });
        store.applyReports(reports, Date.now());
      }
    };
    const writes = { plain: write(false), withLoad: write(true) };
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
    const written = { plain: [] as number[], withLoad: [] as number[] };
    for (const read of Object.values(reads)) read(); // warm-up: SQLite's cache, the JIT
    for (const run of Object.values(writes)) run();
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating the order, so a machine that slows down weighs on all alike.
      const order =
        round % 2 === 0 ? (["listActive", "recent"] as const) : (["recent", "listActive"] as const);
      for (const name of order) samples[name].push(timed(reads[name]));
      const writeOrder =
        round % 2 === 0 ? (["plain", "withLoad"] as const) : (["withLoad", "plain"] as const);
      for (const name of writeOrder) written[name].push((timed(writes[name]) * 1000) / WRITES);
    }
    const listActiveMs = median(samples.listActive);
    const figures: LoadHistoryFigures = {
      hosts: HOSTS,
      samplesPerHost: LOAD_HISTORY_LENGTH,
      listActiveMs,
      recentMs: median(samples.recent),
      recentRatio: median(samples.recent) / listActiveMs,
      writeUs: median(written.plain),
      writeWithLoadUs: median(written.withLoad),
      writeRatio: median(written.withLoad) / median(written.plain),
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
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  return [
    `load history   ${f.hosts.toLocaleString("en")} hosts, ${f.samplesPerHost} samples each, median of ${ROUNDS}: every host's newest samples, ${BATCH} hosts a query, ${f.recentMs.toFixed(1)} ms (${f.recentRatio.toFixed(2)}x listing every host's record, ${f.listActiveMs.toFixed(1)} ms; goal <= ${LOAD_READ_GOAL_RATIO}: ${verdict(f.recentRatio <= LOAD_READ_GOAL_RATIO)})`,
    `load writes    reports committed ${COMMIT} at a time: ${f.writeWithLoadUs.toFixed(1)} us a report with load figures, ${f.writeUs.toFixed(1)} us without (${f.writeRatio.toFixed(2)}x; goal <= ${LOAD_WRITE_GOAL_RATIO}: ${verdict(f.writeRatio <= LOAD_WRITE_GOAL_RATIO)})`,
  ].join("\n");
}

if (require.main === module) main();
