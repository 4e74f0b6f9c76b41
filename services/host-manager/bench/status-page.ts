// One process, one job: what rendering the status page costs at 10,000 hosts (the grid
// of every host, a page of the table, the chart, the audit log) against serialising
// `GET /api/v1/hosts` for the same fleet (every page, 500 a page, following nextCursor),
// both through the service's own routes and from the same fleet snapshot, in the same
// run. Each is measured cold: the snapshot's memo, which serves repeated reads, is
// bypassed, so every read renders or serialises afresh. Prints the figures as JSON (last
// line) for run.ts; run alone: `npx ts-node --transpile-only bench/status-page.ts`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { ManualClock } from "../test/support/manual-clock";
import { SimulatedCloud } from "../src/adapters/cloud/simulated";
import { loadConfig } from "../src/adapters/env/config";
import { createService } from "../src/service";

const HOSTS = Number(process.env.BENCH_HOSTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_PAGE_ROUNDS ?? 9);
const TOKEN = "hmo_" + "b".repeat(43);
/** The goal: the page costs at most this many times the host list. */
export const PAGE_GOAL_RATIO = 2;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "hm-bench-page-"));
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const config = loadConfig({
    HOST_MANAGER_DATA_DIR: dataDir,
    HOST_MANAGER_TOKEN: "b".repeat(40),
    HOST_MANAGER_LOG_LEVEL: "silent",
  });
  const cloud = new SimulatedCloud(HOSTS, clock, { initialGeneration: "g1" });
  const service = createService({
    config,
    clock,
    cloud,
    logger: pino({ level: "silent" }),
    schedule: false,
    defaultMetrics: false,
    // One address reads many times here: the per-address limit is not what is measured.
    requestLimits: { heavyReads: { limit: 1_000_000, windowMs: 60_000 } },
  });
  service.operators.addWithToken("bench", "viewer", TOKEN, clock.now());
  await service.inventory.refresh();
  const hosts = await cloud.listInstances();
  // 2% never report (starting), 1% restart their client; one event for every tenth host.
  service.store.applyReports(
    hosts.slice(0, Math.floor(HOSTS * 0.98)).map((h, i) => ({
      instanceId: h.instanceId,
      privateIp: h.privateIp ?? "10.0.0.1",
      mac: "00:16:3e:00:00:01",
      status: i % 100 === 0 ? 3 : 2,
      logicalCpus: 16,
      physicalCpus: 8,
      clientVersion: "1.2.3",
      hostname: `hpc-${i + 1}`,
    })),
    clock.now(),
  );
  hosts
    .filter((_, i) => i % 10 === 0)
    .forEach((h) =>
      service.store.addEvent({
        instanceId: h.instanceId,
        at: clock.now(),
        action: "reboot",
        outcome: "ok",
        reason: "client-exited",
        detail: null,
      }),
    );
  for (let m = -55; m <= 0; m += 5) {
    const at = clock.now() + m * 60_000;
    const summary = await service.healthCheck.run();
    service.cycles.add({ ...summary, startedAt: at, finishedAt: at });
  }
  await service.app.ready();
  // Every read from one snapshot, rendered afresh: the memo is bypassed.
  const snapshot = service.snapshot;
  const built = snapshot.current();
  snapshot.current = () => ({ ...built, memo: (_key, make) => make() });
  const headers = { authorization: `Bearer ${TOKEN}` };

  const page = async () => {
    const res = await service.app.inject({ method: "GET", url: "/", headers });
    if (res.statusCode !== 200) throw new Error(`status page: ${res.statusCode}`);
    return { bytes: res.rawPayload.length, hosts: (res.body.match(/<a class="t /g) ?? []).length };
  };
  const list = async () => {
    let cursor: string | null = null;
    let bytes = 0;
    let count = 0;
    do {
      const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const res = await service.app.inject({
        method: "GET",
        url: `/api/v1/hosts?limit=500${query}`,
        headers,
      });
      if (res.statusCode !== 200) throw new Error(`host list: ${res.statusCode}`);
      bytes += res.rawPayload.length;
      const body = JSON.parse(res.body) as { count: number; nextCursor: string | null };
      count += body.count;
      cursor = body.nextCursor;
    } while (cursor !== null);
    return { bytes, hosts: count };
  };
  const time = async (read: () => Promise<{ bytes: number; hosts: number }>) => {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const result = await read();
    const used = process.cpuUsage(cpu);
    return {
      ...result,
      wallMs: Number(process.hrtime.bigint() - start) / 1e6,
      cpuMs: (used.user + used.system) / 1000,
    };
  };

  // Warm-up (JIT, SQLite's cache), then pairs, alternating which goes first.
  await page();
  await list();
  type Timed = Awaited<ReturnType<typeof time>>;
  const pages: Timed[] = [];
  const lists: Timed[] = [];
  /** Per round, page over list: CPU time (what it costs), and wall time (what a reader waits). */
  const ratios: number[] = [];
  const wallRatios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      pages.push(await time(page));
      lists.push(await time(list));
    } else {
      lists.push(await time(list));
      pages.push(await time(page));
    }
    const [p, l] = [pages[round], lists[round]] as [Timed, Timed];
    ratios.push(p.cpuMs / l.cpuMs);
    wallRatios.push(p.wallMs / l.wallMs);
  }
  await service.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const figures = {
    hosts: HOSTS,
    rounds: ROUNDS,
    page: {
      medianWallMs: median(pages.map((p) => p.wallMs)),
      medianCpuMs: median(pages.map((p) => p.cpuMs)),
      bytes: pages[0]?.bytes ?? 0,
      tiles: pages[0]?.hosts ?? 0,
    },
    hostList: {
      medianWallMs: median(lists.map((l) => l.wallMs)),
      medianCpuMs: median(lists.map((l) => l.cpuMs)),
      bytes: lists[0]?.bytes ?? 0,
      hosts: lists[0]?.hosts ?? 0,
    },
    ratio: median(ratios),
    ratios,
    wallRatio: median(wallRatios),
  };
  // run.ts prints the figures itself, at the end of its report.
  if (process.env.BENCH_JSON_ONLY !== "1") {
    process.stderr.write(`${describeStatusPageBench(figures)}\n`);
  }
  process.stdout.write(JSON.stringify(figures) + "\n");
}

export type StatusPageFigures = {
  hosts: number;
  rounds: number;
  page: { medianWallMs: number; medianCpuMs: number; bytes: number; tiles: number };
  hostList: { medianWallMs: number; medianCpuMs: number; bytes: number; hosts: number };
  ratio: number;
  ratios: number[];
  wallRatio: number;
};

/** The figures as run.ts prints them. */
export function describeStatusPageBench(f: StatusPageFigures): string {
  const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
  return [
    `status page    ${f.hosts.toLocaleString("en")} hosts, cold (memo bypassed), median of ${f.rounds}: page ${f.page.medianWallMs.toFixed(1)} ms (${f.page.medianCpuMs.toFixed(1)} ms CPU, ${mb(f.page.bytes)} MB, ${f.page.tiles} tiles); GET /api/v1/hosts, all ${Math.ceil(f.hostList.hosts / 500)} pages: ${f.hostList.medianWallMs.toFixed(1)} ms (${f.hostList.medianCpuMs.toFixed(1)} ms CPU, ${mb(f.hostList.bytes)} MB)`,
    `page ratio     ${f.ratio.toFixed(2)}x the host list's CPU time (median of ${f.ratios.map((r) => r.toFixed(2)).join(" ")}; goal <= ${PAGE_GOAL_RATIO}: ${f.ratio <= PAGE_GOAL_RATIO ? "ok" : "MISSED"}); ${f.wallRatio.toFixed(2)}x its wall time`,
  ].join("\n");
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
