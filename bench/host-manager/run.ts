// Benchmark for the host-manager (see README.md): report throughput against a bare
// Node server in the same run, and a 10,000-host health-check cycle.
import autocannon from "autocannon";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PACKAGE = join(__dirname, "..", "..", "images", "host-manager");
/**
 * Compiled JS, so the figures are the service's and not ts-node's (about 60 MB of RSS);
 * built outside the repository, and found its dependencies through NODE_PATH (see package.json).
 */
const BUILD = mkdtempSync(join(tmpdir(), "hm-bench-build-"));
const BUILT_MAIN = join(BUILD, "images", "host-manager", "src", "main.js");
const BUILT_BARE = join(BUILD, "bench", "host-manager", "bare-server.js");
const BUILT_CYCLE = join(BUILD, "bench", "host-manager", "cycle.js");
const TOKEN = "bench-token-".padEnd(40, "x");
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = 100;
const SIM_HOSTS = 1000;

function startProcess(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [script], {
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
      instanceId: `i-sim-${String(n).padStart(4, "0")}`,
      privateIp: `10.0.${Math.floor(n / 250)}.${(n % 250) + 4}`,
      mac: "00:16:3e:00:00:01",
      status: 2,
      logicalCpus: 8,
      physicalCpus: 4,
      clientVersion: "1.2.3",
      hostname: `hpc-${n}`,
    });
  });
}

async function load(url: string) {
  const payloads = bodies();
  let next = 0;
  const result = await autocannon({
    url: `${url}/rpc/v1/status`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        setupRequest: (request) => ({ ...request, body: payloads[next++ % payloads.length] }),
      },
    ],
  });
  return {
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function runCycleBench() {
  const child = spawn(process.execPath, [BUILT_CYCLE], {
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

async function main(): Promise<void> {
  execFileSync(
    process.execPath,
    [
      join(PACKAGE, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      "tsconfig.bench.json",
      "--outDir",
      BUILD,
    ],
    {
      cwd: PACKAGE,
      stdio: "inherit",
    },
  );
  const dataDir = mkdtempSync(join(tmpdir(), "hm-bench-"));
  const results: Record<string, Awaited<ReturnType<typeof load>>> = {};
  let cycle: Awaited<ReturnType<typeof runCycleBench>>;
  try {
    const bare = await startProcess(BUILT_BARE, {}, /listening (http:\/\/\S+)/);
    results.bare = await load(bare.url);
    await stop(bare.child);
    const service = await startProcess(
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
    results.hostManager = await load(service.url);
    await stop(service.child);
    cycle = await runCycleBench();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(BUILD, { recursive: true, force: true });
  }
  const ratio = results.hostManager.requestsPerSec / results.bare.requestsPerSec;
  const row = (name: string, r: Awaited<ReturnType<typeof load>>) =>
    `${name.padEnd(14)} ${r.requestsPerSec.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50Ms).padStart(3)} ms   p99 ${String(r.p99Ms).padStart(3)} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  process.stdout.write(
    [
      `POST /rpc/v1/status, ${CONNECTIONS} connections, ${DURATION_S} s, durable writes (WAL, synchronous=FULL, group commit)`,
      row("bare node", results.bare),
      row("host-manager", results.hostManager),
      `ratio          ${ratio.toFixed(2)}   (goal >= 0.6: ${verdict(ratio >= 0.6)}; p99 goal < 50 ms: ${verdict(results.hostManager.p99Ms < 50)})`,
      `cycle          ${cycle.hosts} hosts: ${cycle.medianCpuMs.toFixed(0)} ms CPU (median of 5; goal < 250: ${verdict(cycle.medianCpuMs < 250)}), RSS ${cycle.rssMb.toFixed(0)} MB (goal < 200: ${verdict(cycle.rssMb < 200)})`,
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
