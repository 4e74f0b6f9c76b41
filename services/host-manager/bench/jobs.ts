// One process, one job: fleet jobs on 1,000 simulated hosts over real HTTP, in the same
// run as the report ingest they are compared with.
//  1. Start: hosts poll for their next task every POLL_INTERVAL_S (each at its own phase,
//     each from its own loopback address over its own connection, as PowerShell's
//     Invoke-RestMethod does), and accept at once; the time from the submit's 201 to the
//     last host's accept. Goal: at most one poll interval plus one second. Then the same
//     with long polls (`wait=20`): hosts are woken by the submit.
//  2. Throughput: every host accepts and completes a task, 100 at a time over kept-alive
//     connections, against as many reports over the same connections: tasks a second
//     (an accept and a result each) and reports a second, and their ratio.
// Prints the figures as JSON (last line) for run.ts; run alone:
// `npx ts-node --transpile-only bench/jobs.ts`.
import { Agent, request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { SimulatedCloud, simInstanceId, simPrivateIp } from "../src/adapters/cloud/simulated";
import { loadConfig } from "../src/adapters/env/config";
import { steadyClock } from "../src/clock";
import { createService } from "../src/service";
import { createTestCa } from "../test/support/test-ca";

const HOSTS = Number(process.env.BENCH_JOB_HOSTS ?? 1_000);
const POLL_INTERVAL_S = Number(process.env.BENCH_POLL_INTERVAL ?? 5);
const LANES = 100;
const FLEET_TOKEN = "f".repeat(40);
const ACCOUNT = "1335926999564873";
const REGION = "cn-beijing";
const OPERATOR_TOKEN = "hmo_" + "j".repeat(43);

interface Reply {
  status: number;
  body: string;
}

function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: unknown,
  via: { agent?: Agent; localAddress?: string },
): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers:
          payload === undefined ? headers : { ...headers, "content-type": "application/json" },
        agent: via.agent ?? false,
        localAddress: via.localAddress,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** 127.0.x.y for host n: eight hosts an address at most, far under the 128 a peer may open. */
const addressOf = (n: number) =>
  `127.0.${1 + Math.floor(n / 8 / 250)}.${1 + (Math.floor(n / 8) % 250)}`;

/** Each host's own credential (issue 15), as registration issues them; set in main. */
let credentials: readonly string[] = [];
const hostHeaders = (n: number) => ({ authorization: `Bearer ${credentials[n - 1]}` });

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "hm-bench-jobs-"));
  // Registration configured, as in a real stack: without it the fleet is held as in a
  // freeze, and so are the jobs (src/identity/registration-hold.ts).
  const signing = await createTestCa("hpc-fleet bench metadata signing CA");
  const config = loadConfig({
    HOST_MANAGER_DATA_DIR: dataDir,
    HOST_MANAGER_TOKEN: FLEET_TOKEN,
    HOST_MANAGER_PORT: "0",
    HOST_MANAGER_LOG_LEVEL: "silent",
    HOST_MANAGER_FLEET_TOKEN_FALLBACK: "false",
    HOST_MANAGER_ACCOUNT_ID: ACCOUNT,
    HOST_MANAGER_REGION: REGION,
    HOST_MANAGER_IDENTITY_SIGNING_CERT_PEM: signing.certPem,
  });
  const service = createService({
    config,
    cloud: new SimulatedCloud(HOSTS, steadyClock),
    logger: pino({ level: "silent" }),
    schedule: false,
    defaultMetrics: false,
    loopbackReports: true,
  });
  service.operators.addWithToken("bench", "operator", OPERATOR_TOKEN, Date.now());
  credentials = Array.from({ length: HOSTS }, (_, i) =>
    service.credentials.issue(simInstanceId(i + 1), Date.now()),
  );
  const url = (await service.listen("127.0.0.1")).replace("0.0.0.0", "127.0.0.1");
  const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
  const hosts = Array.from({ length: HOSTS }, (_, i) => i + 1);
  const submit = async (action: string, concurrency: number) => {
    const res = await send(
      `${url}/api/v1/jobs`,
      "POST",
      operator,
      { action, hosts: { all: true }, concurrency, reason: "bench" },
      {},
    );
    if (res.status !== 201) throw new Error(`submit: ${res.status} ${res.body}`);
    return (JSON.parse(res.body) as { id: string }).id;
  };
  const take = async (n: number, wait: number, via: { agent?: Agent; localAddress?: string }) => {
    const next = await send(
      `${url}/rpc/v1/tasks/next?wait=${wait}`,
      "GET",
      hostHeaders(n),
      undefined,
      via,
    );
    // Anything but 200 is the bench's fault, not a host with nothing to do: never wait on it.
    if (next.status !== 200) throw new Error(`next task: ${next.status} ${next.body}`);
    const task = (JSON.parse(next.body) as { task: { taskId: number; version: number } | null })
      .task;
    if (!task) return undefined;
    const accept = await send(
      `${url}/rpc/v1/tasks/${task.taskId}/accept`,
      "POST",
      hostHeaders(n),
      { version: task.version },
      via,
    );
    if (accept.status !== 200) throw new Error(`accept: ${accept.status} ${accept.body}`);
    return {
      taskId: task.taskId,
      version: (JSON.parse(accept.body) as { version: number }).version,
    };
  };
  const complete = async (
    n: number,
    task: { taskId: number; version: number },
    via: { agent?: Agent },
  ) => {
    const res = await send(
      `${url}/rpc/v1/tasks/${task.taskId}/result`,
      "POST",
      hostHeaders(n),
      { version: task.version, resp: "success" },
      via,
    );
    if (res.status !== 200) throw new Error(`result: ${res.status} ${res.body}`);
  };

  // Each host its own connection, from its own address, kept alive between a poll and
  // its accept (a poll interval apart, the server has closed it: 5 s keep-alive).
  const hostAgents = hosts.map(
    (n) => new Agent({ keepAlive: true, maxSockets: 1, localAddress: addressOf(n) }),
  );
  // 1a. Plain polling: each host at its own phase in the interval, until it has started.
  const started = new Map<number, { taskId: number; version: number }>();
  let submittedAt: number;
  let stopPolling = false;
  const pollers = hosts.map(async (n) => {
    await new Promise((r) => setTimeout(r, (n / HOSTS) * POLL_INTERVAL_S * 1000));
    while (!stopPolling && !started.has(n)) {
      const task = await take(n, 0, { agent: hostAgents[n - 1] });
      if (task) started.set(n, task);
      else await new Promise((r) => setTimeout(r, POLL_INTERVAL_S * 1000));
    }
  });
  // Let every host settle into its phase, then submit.
  await new Promise((r) => setTimeout(r, POLL_INTERVAL_S * 1000 + 500));
  submittedAt = Date.now();
  await submit("stop-client", HOSTS);
  while (started.size < HOSTS) await new Promise((r) => setTimeout(r, 20));
  const pollStartMs = Date.now() - submittedAt;
  stopPolling = true;
  await Promise.all(pollers);
  const agent = new Agent({ keepAlive: true, maxSockets: LANES });
  await lanes(hosts, (n) => complete(n, started.get(n)!, { agent }));

  // 1b. Long polls: every host waiting when the job is submitted.
  started.clear();
  const longPolls = hosts.map(async (n) => {
    while (!started.has(n)) {
      const task = await take(n, 20, { agent: hostAgents[n - 1] });
      if (task) started.set(n, task);
    }
  });
  await new Promise((r) => setTimeout(r, 1_000));
  submittedAt = Date.now();
  await submit("stop-client", HOSTS);
  await Promise.all(longPolls);
  const longPollStartMs = Date.now() - submittedAt;
  await lanes(hosts, (n) => complete(n, started.get(n)!, { agent }));

  // 2. Throughput: tasks (accept + result) and reports over the same kept-alive lanes.
  await submit("collect-diagnostics", HOSTS);
  let begin = performance.now();
  await lanes(hosts, async (n) => {
    const task = await take(n, 0, { agent });
    if (!task) throw new Error(`no task for host ${n}`);
    await complete(n, task, { agent });
  });
  const taskSeconds = (performance.now() - begin) / 1000;
  begin = performance.now();
  await lanes(hosts, async (n) => {
    const res = await send(
      `${url}/rpc/v1/status`,
      "POST",
      hostHeaders(n),
      {
        instanceId: simInstanceId(n),
        privateIp: simPrivateIp(n),
        mac: "00:16:3e:00:00:01",
        status: 2,
        logicalCpus: 16,
        physicalCpus: 8,
      },
      { agent },
    );
    if (res.status !== 200) throw new Error(`report: ${res.status} ${res.body}`);
  });
  const reportSeconds = (performance.now() - begin) / 1000;
  agent.destroy();
  for (const hostAgent of hostAgents) hostAgent.destroy();
  await service.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const figures = {
    hosts: HOSTS,
    pollIntervalS: POLL_INTERVAL_S,
    pollStartMs,
    pollStartGoalMs: POLL_INTERVAL_S * 1000 + 1000,
    longPollStartMs,
    // A task is a poll, an accept and a result: three requests, two of them commits.
    tasksPerSec: HOSTS / taskSeconds,
    reportsPerSec: HOSTS / reportSeconds,
    taskToReportRatio: HOSTS / taskSeconds / (HOSTS / reportSeconds),
  };
  if (!process.env.BENCH_JSON_ONLY) process.stderr.write(`${describeJobsBench(figures)}\n`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** Runs `work` over `items`, LANES at a time. */
async function lanes<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

export type JobsFigures = {
  hosts: number;
  pollIntervalS: number;
  pollStartMs: number;
  pollStartGoalMs: number;
  longPollStartMs: number;
  tasksPerSec: number;
  reportsPerSec: number;
  taskToReportRatio: number;
};

export function describeJobsBench(f: JobsFigures): string {
  const verdict = f.pollStartMs <= f.pollStartGoalMs ? "within" : "OVER";
  return [
    `jobs, ${f.hosts} hosts: submit to every host started ${f.pollStartMs} ms polling every ${f.pollIntervalS} s (${verdict} the goal of ${f.pollStartGoalMs} ms), ${f.longPollStartMs} ms long-polling`,
    `  tasks (poll + accept + result) ${f.tasksPerSec.toFixed(0)}/s against reports ${f.reportsPerSec.toFixed(0)}/s over the same ${LANES} connections: ratio ${f.taskToReportRatio.toFixed(2)}`,
  ].join("\n");
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
