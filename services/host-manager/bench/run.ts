// Benchmark for the host-manager (see README.md): report throughput against a bare
// Node server in the same run, at 1,000 hosts, and at 10,000 hosts while four pollers
// read the host list and the status page; and a 10,000-host health-check cycle.
import autocannon from "autocannon";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { simInstanceId, simPrivateIp } from "../src/adapters/cloud/simulated";
import { openDatabase } from "../src/adapters/storage/database";
import { HostCredentialStore } from "../src/adapters/storage/host-credentials";
import {
  createTestCa,
  issueServerCertificate,
  type IssuedCertificate,
} from "../test/support/test-ca";
import { longestStallMs } from "./event-loop";
import { startPollers, type PollFigures } from "./pollers";
import { describeLoadHistoryBench, type LoadHistoryFigures } from "./load-history";
import { describeStatusPageBench, type StatusPageFigures } from "./status-page";
import { describeJobsBench, type JobsFigures } from "./jobs";

const PACKAGE = join(__dirname, "..");
/**
 * Compiled JS, so the figures are the service's and not ts-node's (about 60 MB of RSS);
 * built inside the package (ignored by git) so that it finds the workspace's node_modules,
 * and run with the contract package compiled too, as the image runs (--conditions=production).
 */
mkdirSync(join(PACKAGE, ".bench-build"), { recursive: true });
const BUILD = mkdtempSync(join(PACKAGE, ".bench-build", "run-"));
const BUILT_MAIN = join(BUILD, "src", "main.js");
const BUILT_BARE = join(BUILD, "bench", "bare-server.js");
const BUILT_CYCLE = join(BUILD, "bench", "cycle.js");
const BUILT_STATUS_PAGE = join(BUILD, "bench", "status-page.js");
const BUILT_LOAD_HISTORY = join(BUILD, "bench", "load-history.js");
/** Detection of a silent host on a 1,000-host simulated fleet (detection.ts). */
const BUILT_DETECTION = join(BUILD, "bench", "detection.js");
const BUILT_JOBS = join(BUILD, "bench", "jobs.js");
const NODE_FLAGS = ["--conditions=production"];
const TOKEN = "bench-token-".padEnd(40, "x");
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
/** Rounds of (bare, host-manager) pairs; the figures printed are the medians. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Load before each measurement, not counted: JIT, connection set-up, SQLite's cache. */
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = 100;

/** What a measurement runs: the fleet's size, and how many pollers read meanwhile. */
interface Scenario {
  readonly hosts: number;
  readonly pollers: number;
  /** Reports a second offered in all; undefined: as fast as the server answers. */
  readonly rate?: number;
  /** Connections the reports come over; CONNECTIONS unless said. */
  readonly connections?: number;
  /** The bodies for the simulated hosts, so writes spread over many rows as in a real fleet. */
  readonly payloads: readonly string[];
  /**
   * Also measure the host-manager without the pollers in each round: what the reads cost
   * the reports, at the same fleet size, as a share of its own ingest.
   */
  readonly unpolledBaseline?: boolean;
}

function startProcess(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...NODE_FLAGS, script], {
    cwd: PACKAGE,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) resolve({ child, url: match[1].replace("0.0.0.0", "127.0.0.1") });
    });
    child.on("exit", (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/**
 * A report body per simulated host; the same, in the same order, for both servers. With
 * the load figures a host's heartbeat carries (Add-HpcReadingsToReportBody in
 * images/windows/scripts/host/HpcFleet.psm1: percentages to one decimal, the client's
 * working set in bytes): each is a sample in the host's load history, so a report
 * without them would cost the service less than a real one.
 */
function bodies(hosts: number): string[] {
  return Array.from({ length: hosts }, (_, i) => {
    const n = i + 1;
    return JSON.stringify({
      instanceId: simInstanceId(n),
      privateIp: simPrivateIp(n),
      mac: "00:16:3e:00:00:01",
      status: 2,
      logicalCpus: 8,
      physicalCpus: 4,
      clientVersion: "1.2.3",
      hostname: `hpc-${n}`,
      cpuPercent: ((n * 37) % 1000) / 10,
      memoryAvailablePercent: 20 + ((n * 13) % 600) / 10,
      clientCpuPercent: ((n * 29) % 800) / 10,
      clientWorkingSetBytes: 900_000_000 + n * 4096,
    });
  });
}

const PLAIN: Scenario = { hosts: 1_000, pollers: 0, payloads: bodies(1_000) };
const POLLED: Scenario = {
  hosts: 10_000,
  pollers: 4,
  payloads: bodies(10_000),
  unpolledBaseline: true,
};
/**
 * Six times what 10,000 hosts send at a 60 s heartbeat (167 a second): a fleet whose
 * reports all arrive, retries and all, while operators poll. Both servers should keep up,
 * so the ratio says whether the service does, and p99 whether a host waits.
 */
const FLEET_RATE: Scenario = { ...POLLED, rate: 1_000, connections: 20, unpolledBaseline: false };

/** User + system CPU seconds of a process so far (all its threads), where /proc exists. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // utime and stime, in clock ticks (USER_HZ: 100 on Linux): fields 14 and 15 of stat.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The resident set of a process now, in MB, where /proc exists. */
function rssMb(pid: number | undefined): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    return line === undefined ? undefined : Number(line.split(/\s+/)[1]) / 1024;
  } catch {
    return undefined;
  }
}

type LoadResult = Awaited<ReturnType<typeof load>> & {
  /** The host-manager's longest event-loop stall while loaded (event-loop.ts). */
  longestStallMs?: number;
};

async function load(
  url: string,
  durationS: number,
  payloads: readonly string[],
  child?: ChildProcess,
  pollers = 0,
  rate?: number,
  connections = CONNECTIONS,
  /** An operator's token: the fleet token reads nothing. */
  pollerToken = "",
  /** Each payload's host's own credential (issue 15): reports carry it. */
  credentials: readonly string[] = [],
) {
  let next = 0;
  // The highest RSS seen while loaded, sampled every 250 ms.
  let peakRss: number | undefined;
  const sampler = setInterval(() => {
    const rss = rssMb(child?.pid);
    if (rss !== undefined) peakRss = Math.max(peakRss ?? 0, rss);
  }, 250);
  const polling = pollers > 0 ? startPollers(url, pollerToken, pollers) : undefined;
  const cpuBefore = cpuSeconds(child?.pid);
  const result = await autocannon({
    url: `${url}/rpc/v1/status`,
    connections,
    duration: durationS,
    // Paced: autocannon spreads the rate over the connections; 20 keep its bursts small.
    ...(rate === undefined ? {} : { overallRate: rate }),
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (request) => {
          const i = next++ % payloads.length;
          return {
            ...request,
            body: payloads[i],
            headers: { ...request.headers, authorization: `Bearer ${credentials[i]}` },
          };
        },
      },
    ],
  });
  const cpuAfter = cpuSeconds(child?.pid);
  const polls: PollFigures | undefined = await polling?.stop();
  clearInterval(sampler);
  return {
    peakRssMb: peakRss,
    polls,
    requestsPerSec: result.requests.average,
    /** The server's CPU time per request (all threads), in microseconds. */
    cpuUsPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
        ? undefined
        : ((cpuAfter - cpuBefore) * 1e6) / result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** A bench that runs alone in its own process and prints its figures as JSON, last line. */
async function runJsonBench<T>(script: string): Promise<T> {
  const child = spawn(process.execPath, [...NODE_FLAGS, script], {
    cwd: PACKAGE,
    env: { ...process.env, BENCH_JSON_ONLY: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(output.trim().split("\n").pop() as string) as T;
}

interface CycleFigures {
  hosts: number;
  medianCpuMs: number;
  rssMb: number;
}

/** The detection bench's figures (detection.ts). */
interface DetectionFigures {
  hosts: number;
  heartbeatS: number;
  heartbeatTimeoutS: number;
  scheduleIntervalS: number;
  boundMs: number;
  silenced: number;
  results: { instanceId: string; sinceLastReportMs: number }[];
  worstMs: number;
  othersRemediated: number;
  /** Reports the service did not answer 200, by status: a bench that measures nothing. */
  reportsRefused: Record<string, number>;
}

/** One measurement: start the server, warm it up, load it (and poll it), stop it. */
/** The bench's own CA and the certificate both servers serve (HTTPS, as in the stack). */
let serverTls: IssuedCertificate | undefined;

/**
 * Each simulated host's credential, as registration issues them, written into `dataDir`
 * before the service starts (registration itself is not what is measured).
 */
function seedCredentials(dataDir: string, hosts: number): string[] {
  const db = openDatabase(dataDir);
  try {
    const store = new HostCredentialStore(db);
    const now = Date.now();
    return Array.from({ length: hosts }, (_, i) => store.issue(simInstanceId(i + 1), now));
  } finally {
    db.close();
  }
}

/** Operators added so far: each measurement's viewer has a name of its own. */
let pollerOperators = 0;

async function measure(
  server: "bare" | "hostManager",
  dataDir: string,
  scenario: Scenario,
  credentials: readonly string[],
): Promise<LoadResult> {
  const tls = serverTls as IssuedCertificate;
  // The pollers read as a viewer, added with the service's own CLI.
  const pollerToken =
    server === "bare"
      ? ""
      : execFileSync(
          process.execPath,
          [
            ...NODE_FLAGS,
            BUILT_MAIN,
            "operators",
            "add",
            `bench-poller-${++pollerOperators}`,
            "--role",
            "viewer",
          ],
          { env: { ...process.env, HOST_MANAGER_DATA_DIR: dataDir }, encoding: "utf8" },
        ).trim();
  const { child, url } =
    server === "bare"
      ? await startProcess(
          BUILT_BARE,
          { BENCH_TLS_CERT_PEM: tls.certPem, BENCH_TLS_KEY_PEM: tls.keyPem },
          /listening (https:\/\/\S+)/,
        )
      : await startProcess(
          BUILT_MAIN,
          {
            HOST_MANAGER_DATA_DIR: dataDir,
            HOST_MANAGER_TOKEN: TOKEN,
            HOST_MANAGER_PORT: "0",
            HOST_MANAGER_SIM_HOSTS: String(scenario.hosts),
            HOST_MANAGER_LOG_LEVEL: "info",
            // Keep the scheduled cycle out of the throughput figure.
            HOST_MANAGER_SCHEDULE: "0 0 0 1 1 *",
            // Over HTTPS, each host with its own credential; the fleet token reports nothing.
            HOST_MANAGER_TLS_CERT_PEM: tls.certPem,
            HOST_MANAGER_TLS_KEY_PEM: tls.keyPem,
            HOST_MANAGER_FLEET_TOKEN_FALLBACK: "false",
          },
          /"url":"(https:\/\/[^"]+)"/,
        );
  try {
    if (WARMUP_S > 0) {
      await load(
        url,
        WARMUP_S,
        scenario.payloads,
        undefined,
        0,
        undefined,
        CONNECTIONS,
        "",
        credentials,
      );
    }
    // A scrape starts the service's event-loop figures afresh; the one after reads them.
    if (server === "hostManager") await longestStallMs(url, pollerToken);
    const result: LoadResult = await load(
      url,
      DURATION_S,
      scenario.payloads,
      child,
      scenario.pollers,
      scenario.rate,
      scenario.connections,
      pollerToken,
      credentials,
    );
    if (server === "hostManager") result.longestStallMs = await longestStallMs(url, pollerToken);
    return result;
  } finally {
    await stop(child);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median of each figure over the rounds. */
function summarize(runs: readonly LoadResult[]) {
  const cpu = runs.map((r) => r.cpuUsPerRequest).filter((v): v is number => v !== undefined);
  return {
    requestsPerSec: median(runs.map((r) => r.requestsPerSec)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    worstP99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    cpuUsPerRequest: cpu.length === runs.length ? median(cpu) : undefined,
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb ?? 0)),
    longestStallMs: Math.max(...runs.map((r) => r.longestStallMs ?? 0)),
    polls: runs.reduce(
      (sum, r) => {
        for (const [status, n] of Object.entries(r.polls?.statuses ?? {})) {
          sum.statuses[status] = (sum.statuses[status] ?? 0) + n;
        }
        sum.mb += (r.polls?.bytes ?? 0) / 1e6;
        sum.errors += r.polls?.errors ?? 0;
        return sum;
      },
      { statuses: {} as Record<string, number>, mb: 0, errors: 0 },
    ),
  };
}

type Measured = "bare" | "hostManager" | "unpolled";

/**
 * ROUNDS pairs of (bare, host-manager) on `scenario`, alternating which goes first; and
 * with `unpolledBaseline`, the host-manager without the pollers too, in the same rounds.
 */
async function rounds(name: string, scenario: Scenario) {
  const runs: Record<Measured, LoadResult[]> = { bare: [], hostManager: [], unpolled: [] };
  const ratios: number[] = [];
  /** Per round: the polled host-manager's ingest over its own unpolled ingest. */
  const kept: number[] = [];
  const unpolled: Scenario = { ...scenario, pollers: 0 };
  // Alternating which server goes first, so a machine that slows down or speeds up
  // during the run (the load generator shares the CPU) weighs on both alike.
  for (let round = 0; round < ROUNDS; round++) {
    const dataDir = mkdtempSync(join(tmpdir(), "hm-bench-"));
    try {
      const measured: Measured[] = [
        "bare",
        "hostManager",
        ...(scenario.unpolledBaseline ? (["unpolled"] as const) : []),
      ];
      if (round % 2 === 1) measured.reverse();
      const got: Partial<Record<Measured, LoadResult>> = {};
      // Both servers get the same requests: the credentials' headers too.
      const credentials = seedCredentials(dataDir, scenario.hosts);
      for (const which of measured) {
        got[which] =
          which === "unpolled"
            ? await measure("hostManager", dataDir, unpolled, credentials)
            : await measure(which, dataDir, scenario, credentials);
        runs[which].push(got[which] as LoadResult);
      }
      const [b, h, u] = [got.bare as LoadResult, got.hostManager as LoadResult, got.unpolled];
      ratios.push(h.requestsPerSec / b.requestsPerSec);
      if (u) kept.push(h.requestsPerSec / u.requestsPerSec);
      const unpolledFigure = u
        ? `, unpolled ${u.requestsPerSec.toFixed(0)} req/s (kept ${kept[round].toFixed(2)})`
        : "";
      process.stderr.write(
        `${name} round ${round + 1}/${ROUNDS}: bare ${b.requestsPerSec.toFixed(0)} req/s, host-manager ${h.requestsPerSec.toFixed(0)} req/s (p99 ${h.p99Ms} ms, RSS ${h.peakRssMb?.toFixed(0)} MB, longest stall ${h.longestStallMs?.toFixed(0)} ms)${unpolledFigure}, ratio ${ratios[round].toFixed(2)}, load average ${loadavg()[0].toFixed(1)}\n`,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return {
    bare: summarize(runs.bare),
    hostManager: summarize(runs.hostManager),
    unpolled: runs.unpolled.length > 0 ? summarize(runs.unpolled) : undefined,
    ratios,
    kept,
  };
}

async function main(): Promise<void> {
  const tsc = require.resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", "../../packages/fleet-contract/tsconfig.build.json"], {
    cwd: PACKAGE,
    stdio: "inherit",
  });
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.bench.json", "--outDir", BUILD], {
    cwd: PACKAGE,
    stdio: "inherit",
  });
  const ca = await createTestCa("hpc-fleet bench host-manager CA");
  serverTls = await issueServerCertificate(ca, {
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
  });
  let plain: Awaited<ReturnType<typeof rounds>>;
  let polled: Awaited<ReturnType<typeof rounds>>;
  let fleetRate: Awaited<ReturnType<typeof rounds>>;
  let cycle: CycleFigures;
  let statusPage: StatusPageFigures;
  let loadHistory: LoadHistoryFigures;
  let detection: DetectionFigures;
  let jobs: JobsFigures;
  const loadBefore = loadavg();
  try {
    plain = await rounds("reports", PLAIN);
    polled = await rounds("polled", POLLED);
    fleetRate = await rounds("fleet rate", FLEET_RATE);
    cycle = await runJsonBench<CycleFigures>(BUILT_CYCLE);
    statusPage = await runJsonBench<StatusPageFigures>(BUILT_STATUS_PAGE);
    loadHistory = await runJsonBench<LoadHistoryFigures>(BUILT_LOAD_HISTORY);
    detection = await runJsonBench<DetectionFigures>(BUILT_DETECTION);
    // Fleet jobs on 1,000 hosts: submit to started, and tasks against reports (bench/jobs.ts).
    jobs = await runJsonBench<JobsFigures>(BUILT_JOBS);
  } finally {
    rmSync(BUILD, { recursive: true, force: true });
  }
  const loadAfter = loadavg();
  const { ratios } = plain;
  const results = plain;
  const ratio = median(ratios);
  const polledRatio = median(polled.ratios);
  const p = polled.hostManager;
  const pollCounts = (polls: ReturnType<typeof summarize>["polls"]) => {
    const counts = Object.entries(polls.statuses).map(([status, n]) => `${n} × ${status}`);
    return `${counts.join(", ")} (${polls.mb.toFixed(0)} MB read, ${polls.errors} errors) over ${ROUNDS} rounds`;
  };
  const f = fleetRate.hostManager;
  const fleetRatio = median(fleetRate.ratios);
  const row = (name: string, r: ReturnType<typeof summarize>) =>
    `${name.padEnd(14)} ${r.requestsPerSec.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50Ms).padStart(3)} ms   p99 ${String(r.p99Ms).padStart(3)} ms (worst ${r.worstP99Ms})   ${r.cpuUsPerRequest === undefined ? "" : `server CPU ${r.cpuUsPerRequest.toFixed(0)} us/req   `}non-2xx ${r.non2xx}   errors ${r.errors}`;
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  // Only where the service keeps up: at saturation every turn of its loop is a full batch
  // of reports and their commit, so the figure says how large the batches are.
  const stallLine = (r: ReturnType<typeof summarize>) =>
    `longest stall  ${r.longestStallMs.toFixed(0)} ms, worst of the rounds: the longest the service's event loop ran without a break (its own event-loop delay, event-loop.ts), so the longest a report waited on the reads or anything else`;
  process.stdout.write(
    [
      `POST /rpc/v1/status over HTTPS, each host with its own credential, ${CONNECTIONS} connections, ${DURATION_S} s after ${WARMUP_S} s of warm-up, median of ${ROUNDS} rounds; durable writes (WAL, synchronous=FULL, group commit)`,
      row("bare https", results.bare),
      row("host-manager", results.hostManager),
      `ratio          ${ratio.toFixed(2)}   (median of the rounds' ratios ${ratios.map((r) => r.toFixed(2)).join(" ")}; goal >= 0.6: ${verdict(ratio >= 0.6)}; p99 goal < 50 ms: ${verdict(results.hostManager.p99Ms < 50)})`,
      "",
      `POST /rpc/v1/status at ${POLLED.hosts.toLocaleString("en")} hosts while ${POLLED.pollers} pollers each read the host list (all pages, 500 a page) and the status page, 2 reads a second each (the sustained per-address limit); same pollers against the bare server (bodies of the same size)`,
      row("bare https", polled.bare),
      row("host-manager", p),
      `polled ratio   ${polledRatio.toFixed(2)}   (median of ${polled.ratios.map((r) => r.toFixed(2)).join(" ")}; goal >= 0.8: ${verdict(polledRatio >= 0.8)}); p99 ${p.p99Ms} ms (goal < 50: ${verdict(p.p99Ms < 50)}); peak RSS ${p.peakRssMb.toFixed(0)} MB (goal < 300: ${verdict(p.peakRssMb < 300)})`,
      `ingest kept    ${median(polled.kept).toFixed(2)} of the host-manager's own ingest at ${POLLED.hosts.toLocaleString("en")} hosts without the pollers, in the same rounds (median of ${polled.kept.map((r) => r.toFixed(2)).join(" ")}; unpolled ${polled.unpolled?.requestsPerSec.toFixed(0)} req/s): what the reads cost the reports`,
      `polls          ${pollCounts(p.polls)}`,
      "",
      `The same at ${FLEET_RATE.rate} reports a second offered over ${FLEET_RATE.connections} connections (6 × a 10,000-host fleet at a 60 s heartbeat), same pollers`,
      row("bare https", fleetRate.bare),
      row("host-manager", f),
      `fleet ratio    ${fleetRatio.toFixed(2)}   (median of ${fleetRate.ratios.map((r) => r.toFixed(2)).join(" ")}; goal >= 0.8: ${verdict(fleetRatio >= 0.8)}); p99 ${f.p99Ms} ms (goal < 50: ${verdict(f.p99Ms < 50)}); peak RSS ${f.peakRssMb.toFixed(0)} MB (goal < 300: ${verdict(f.peakRssMb < 300)})`,
      stallLine(f),
      `polls          ${pollCounts(f.polls)}`,
      `load average   ${loadBefore.map((l) => l.toFixed(1)).join(" ")} before, ${loadAfter.map((l) => l.toFixed(1)).join(" ")} after (1, 5, 15 min; ${cpus().length} cores)`,
      `cycle          ${cycle.hosts} hosts: ${cycle.medianCpuMs.toFixed(0)} ms CPU (median of 5; goal < 250: ${verdict(cycle.medianCpuMs < 250)}), RSS ${cycle.rssMb.toFixed(0)} MB (goal < 200: ${verdict(cycle.rssMb < 200)})`,
      describeStatusPageBench(statusPage),
      describeLoadHistoryBench(loadHistory),
      `detection      ${detection.hosts} simulated hosts, timeouts scaled down (heartbeat ${detection.heartbeatS} s, heartbeat timeout ${detection.heartbeatTimeoutS} s, a cycle every ${detection.scheduleIntervalS} s): ${detection.results.length} of ${detection.silenced} silent hosts rebooted ${detection.results.map((r) => `${(r.sinceLastReportMs / 1000).toFixed(1)} s`).join(", ")} after their last report; worst ${(detection.worstMs / 1000).toFixed(1)} s, bound (heartbeat timeout + one interval) ${(detection.boundMs / 1000).toFixed(0)} s: ${verdict(detection.results.length === detection.silenced && detection.worstMs <= detection.boundMs)}; other hosts remediated: ${detection.othersRemediated}; reports refused: ${JSON.stringify(detection.reportsRefused)}`,
      describeJobsBench(jobs),
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
