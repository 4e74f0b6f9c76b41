// A job over a thousand simulated hosts, in batches of a hundred, over real HTTP: every
// host ends with its result and no batch is larger than the job's concurrency. And a
// restart of the service in the middle: no task is lost and none runs twice.
import { SimulatedCloud } from "../../src/adapters/cloud/simulated";
import { createService, type Service } from "../../src/service";
import { silentLogger, T0, tempDir, testConfig, OPERATOR } from "../support/fixtures";
import { ManualClock } from "../support/manual-clock";
import { startTestService } from "../support/service";
import { hostIds, inBatches, JobHosts, type Offer } from "./job-hosts";

jest.setTimeout(120_000);

const operator = { authorization: `Bearer ${OPERATOR.token}` };

async function submit(url: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${url}/api/v1/jobs`, {
    method: "POST",
    headers: { ...operator, "content-type": "application/json" },
    body: JSON.stringify({ reason: "perf run", ...body }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

interface ResultPage {
  tasks: Record<string, number>;
  finishedAt: string | null;
  results: { host: string; resp: string; retcode: number; attempts: number; message: string }[];
  nextCursor: string | null;
}

/** Every host's result, a page at a time. */
async function allResults(url: string, id: string) {
  const results: ResultPage["results"] = [];
  let cursor: string | null = null;
  let last: ResultPage;
  do {
    const query: string = cursor === null ? "limit=500" : `limit=500&cursor=${cursor}`;
    const res = await fetch(`${url}/api/v1/jobs/${id}?${query}`, { headers: operator });
    expect(res.status).toBe(200);
    last = (await res.json()) as ResultPage;
    results.push(...last.results);
    cursor = last.nextCursor;
  } while (cursor !== null);
  return { job: last, results };
}

/** One poll by every host still without a result: those offered a task accept it. */
async function pollAndAccept(hosts: JobHosts, ids: readonly string[]) {
  const taken = await inBatches(ids, 50, async (id) => {
    const offer = await hosts.next(id);
    if (!offer) return undefined;
    const version = await hosts.accept(id, offer);
    return version === undefined ? undefined : { id, offer, version };
  });
  return taken.filter((x): x is { id: string; offer: Offer; version: number } => x !== undefined);
}

it("runs a job over 1,000 hosts, 100 at a time, to every host's result", async () => {
  const t = await startTestService({ cloud: (clock) => new SimulatedCloud(1000, clock) });
  try {
    const url = await t.listen();
    const hosts = new JobHosts(url);
    const id = await submit(url, {
      action: "restart-client",
      params: { args: ["--duration", "600"], keepAsDefault: true },
      hosts: { all: true },
      concurrency: 100,
    });
    let waiting = hostIds(1000);
    const batches: number[] = [];
    while (waiting.length > 0 && batches.length < 20) {
      const running = await pollAndAccept(hosts, waiting);
      batches.push(running.length);
      await inBatches(running, 50, async ({ id: host, offer, version }) => {
        const res = await hosts.result(host, offer.taskId, version, {
          resp: "success",
          message: `restarted on ${host}`,
        });
        expect(res.status).toBe(200);
      });
      const done = new Set(running.map((r) => r.id));
      waiting = waiting.filter((host) => !done.has(host));
    }
    // Ten batches of exactly the concurrency: never more at once, and never idle room.
    expect(batches).toEqual(Array(10).fill(100));
    const { job, results } = await allResults(url, id);
    expect(job.tasks).toEqual(expect.objectContaining({ total: 1000, success: 1000 }));
    expect(job.finishedAt).not.toBeNull();
    expect(results).toHaveLength(1000);
    expect(new Set(results.map((r) => r.host))).toEqual(new Set(hostIds(1000)));
    for (const r of results) {
      expect(r).toEqual(
        expect.objectContaining({
          resp: "success",
          retcode: 0,
          attempts: 1,
          message: `restarted on ${r.host}`,
        }),
      );
    }
    expect([...hosts.accepted.values()].every((n) => n === 1)).toBe(true);
  } finally {
    await t.close();
  }
});

it("loses and repeats nothing across a restart in the middle", async () => {
  const dir = tempDir();
  const clock = new ManualClock(T0);
  const cloud = new SimulatedCloud(40, clock);
  const start = async (): Promise<{ service: Service; url: string }> => {
    const service = createService({
      config: testConfig(dir.path),
      clock,
      cloud,
      logger: silentLogger(),
      schedule: false,
      defaultMetrics: false,
      loopbackReports: true,
    });
    if (!service.operators.byName(OPERATOR.name)) {
      service.operators.addWithToken(OPERATOR.name, "operator", OPERATOR.token, T0);
    }
    return { service, url: await service.listen("127.0.0.1") };
  };
  let { service, url } = await start();
  try {
    const hosts = new JobHosts(url);
    const id = await submit(url, {
      action: "collect-logs",
      hosts: { all: true },
      concurrency: 10,
      timeToRunSeconds: 600,
    });
    // One batch done, the second accepted and still running when the service stops.
    let waiting = hostIds(40);
    const first = await pollAndAccept(hosts, waiting);
    for (const r of first) await hosts.result(r.id, r.offer.taskId, r.version);
    const second = await pollAndAccept(
      hosts,
      waiting.filter((h) => !first.some((r) => r.id === h)),
    );
    expect([first.length, second.length]).toEqual([10, 10]);
    await service.stop();

    ({ service, url } = await start());
    hosts.url = url;
    // The running batch is not offered again (it is reserved, within its time-to-run)...
    for (const r of second) expect(await hosts.next(r.id)).toBeNull();
    // ...and finishes across the restart: its results are taken as they are.
    for (const r of second) {
      const res = await hosts.result(r.id, r.offer.taskId, r.version);
      expect([r.id, res.status]).toEqual([r.id, 200]);
    }
    const done = new Set([...first, ...second].map((r) => r.id));
    waiting = waiting.filter((h) => !done.has(h));
    // No one holding a finished task is offered it again.
    for (const host of done) expect(await hosts.next(host)).toBeNull();
    while (waiting.length > 0) {
      const running = await pollAndAccept(hosts, waiting);
      expect(running.length).toBeGreaterThan(0);
      for (const r of running) await hosts.result(r.id, r.offer.taskId, r.version);
      const finished = new Set(running.map((r) => r.id));
      waiting = waiting.filter((h) => !finished.has(h));
    }
    const { job, results } = await allResults(url, id);
    expect(job.tasks).toEqual(expect.objectContaining({ total: 40, success: 40 }));
    expect(results.every((r) => r.attempts === 1 && r.retcode === 0)).toBe(true);
    expect(hosts.accepted.size).toBe(40);
    expect([...hosts.accepted.values()].every((n) => n === 1)).toBe(true);
  } finally {
    await service.stop();
    dir.remove();
  }
});
