// Benchmark for the host-manager (see README.md): report throughput against a bare
// Node server in the same run, and a 10,000-host health-check cycle.
import autocannon from "autocannon";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simInstanceId, simPrivateIp } from "../src/adapters/cloud/simulated";

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
const NODE_FLAGS = ["--conditions=production"];
const TOKEN = "bench-token-".padEnd(40, "x");
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
/** Rounds of (bare, host-manager) pairs; the figures printed are the medians. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Load before each measurement, not counted: JIT, connection set-up, SQLite's cache. */
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = 100;
const SIM_HOSTS = 1000;

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

/** Bodies for the simulated hosts, so writes spread over many rows as in a real fleet. */
function bodies(): string[] {
  return Array.from({ length: SIM_HOSTS }, (_, i) => {
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
    });
  });
}

/** The same bodies, in the same order from the first request, for both servers. */
const PAYLOADS = bodies();

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

type LoadResult = Awaited<ReturnType<typeof load>>;

async function load(url: string, durationS: number, child?: ChildProcess) {
  let next = 0;
  const cpuBefore = cpuSeconds(child?.pid);
  const result = await autocannon({
    url: `${url}/rpc/v1/status`,
    connections: CONNECTIONS,
    duration: durationS,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        setupRequest: (request) => ({ ...request, body: PAYLOADS[next++ % PAYLOADS.length] }),
      },
    ],
  });
  const cpuAfter = cpuSeconds(child?.pid);
  return {
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

async function runCycleBench() {
  const child = spawn(process.execPath, [...NODE_FLAGS, BUILT_CYCLE], {
    cwd: PACKAGE,
    env: process.env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`cycle bench exited with ${code}`);
  return JSON.parse(output.trim().split("\n").pop() as string) as {
    hosts: number;
    medianCpuMs: number;
    rssMb: number;
  };
}

/** One measurement: start the server, warm it up, load it, stop it. */
async function measure(server: "bare" | "hostManager", dataDir: string): Promise<LoadResult> {
  const { child, url } =
    server === "bare"
      ? await startProcess(BUILT_BARE, {}, /listening (http:\/\/\S+)/)
      : await startProcess(
          BUILT_MAIN,
          {
            HOST_MANAGER_DATA_DIR: dataDir,
            HOST_MANAGER_TOKEN: TOKEN,
            HOST_MANAGER_PORT: "0",
            HOST_MANAGER_SIM_HOSTS: String(SIM_HOSTS),
            HOST_MANAGER_LOG_LEVEL: "info",
            // Keep the scheduled cycle out of the throughput figure.
            HOST_MANAGER_SCHEDULE: "0 0 0 1 1 *",
          },
          /"url":"(http:\/\/[^"]+)"/,
        );
  try {
    if (WARMUP_S > 0) await load(url, WARMUP_S);
    return await load(url, DURATION_S, child);
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
  const bare: LoadResult[] = [];
  const hostManager: LoadResult[] = [];
  const ratios: number[] = [];
  let cycle: Awaited<ReturnType<typeof runCycleBench>>;
  try {
    // Pairs, alternating which server goes first, so a machine that slows down or speeds
    // up during the run (the load generator shares the CPU) weighs on both alike.
    for (let round = 0; round < ROUNDS; round++) {
      const dataDir = mkdtempSync(join(tmpdir(), "hm-bench-"));
      try {
        const order =
          round % 2 === 0 ? (["bare", "hostManager"] as const) : (["hostManager", "bare"] as const);
        const pair: Partial<Record<"bare" | "hostManager", LoadResult>> = {};
        for (const server of order) pair[server] = await measure(server, dataDir);
        bare.push(pair.bare as LoadResult);
        hostManager.push(pair.hostManager as LoadResult);
        ratios.push(
          (pair.hostManager as LoadResult).requestsPerSec /
            (pair.bare as LoadResult).requestsPerSec,
        );
        process.stderr.write(
          `round ${round + 1}/${ROUNDS}: bare ${(pair.bare as LoadResult).requestsPerSec.toFixed(0)} req/s, host-manager ${(pair.hostManager as LoadResult).requestsPerSec.toFixed(0)} req/s, ratio ${ratios[round].toFixed(2)}\n`,
        );
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
    cycle = await runCycleBench();
  } finally {
    rmSync(BUILD, { recursive: true, force: true });
  }
  const results = { bare: summarize(bare), hostManager: summarize(hostManager) };
  const ratio = median(ratios);
  const row = (name: string, r: ReturnType<typeof summarize>) =>
    `${name.padEnd(14)} ${r.requestsPerSec.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50Ms).padStart(3)} ms   p99 ${String(r.p99Ms).padStart(3)} ms (worst ${r.worstP99Ms})   ${r.cpuUsPerRequest === undefined ? "" : `server CPU ${r.cpuUsPerRequest.toFixed(0)} us/req   `}non-2xx ${r.non2xx}   errors ${r.errors}`;
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  process.stdout.write(
    [
      `POST /rpc/v1/status, ${CONNECTIONS} connections, ${DURATION_S} s after ${WARMUP_S} s of warm-up, median of ${ROUNDS} rounds; durable writes (WAL, synchronous=FULL, group commit)`,
      row("bare node", results.bare),
      row("host-manager", results.hostManager),
      `ratio          ${ratio.toFixed(2)}   (median of the rounds' ratios ${ratios.map((r) => r.toFixed(2)).join(" ")}; goal >= 0.6: ${verdict(ratio >= 0.6)}; p99 goal < 50 ms: ${verdict(results.hostManager.p99Ms < 50)})`,
      `cycle          ${cycle.hosts} hosts: ${cycle.medianCpuMs.toFixed(0)} ms CPU (median of 5; goal < 250: ${verdict(cycle.medianCpuMs < 250)}), RSS ${cycle.rssMb.toFixed(0)} MB (goal < 200: ${verdict(cycle.rssMb < 200)})`,
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
