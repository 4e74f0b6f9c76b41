// Pushing to Atlassian Statuspage, against a local fake of the batch endpoint: the
// header, the body and its units, at most one request a second, failed points resent at
// the next cycle, and a health check that never waits for Statuspage.
import { Writable } from "node:stream";
import pino from "pino";
import { StatuspagePusher } from "../../src/statuspage-push/pusher";
import {
  STATUSPAGE_API_KEY as API_KEY,
  STATUSPAGE_COMPONENT_ID,
  STATUSPAGE_METRIC_IDS as METRIC_IDS,
  startFakeStatuspage,
  statuspageEnv,
  type FakeStatuspage,
} from "../support/fake-statuspage";
import { seedMixedFleet } from "../support/fleet";
import { startTestService, type TestService } from "../support/service";
import { until } from "../support/until";

/** Every log line, to check the API key never appears in one. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: "trace" }, stream), lines };
}

type Body = { data: Record<string, { timestamp: number; value: number }[]> };

describe("Statuspage push", () => {
  let fake: FakeStatuspage;
  let t: TestService | undefined;
  let pusher: StatuspagePusher | undefined;
  let log: ReturnType<typeof capturingLogger>;

  /** The cycles left pending once the push in flight has its answer (or its timeout). */
  const pendingOnceAnswered = async () => {
    const servicePusher = () => t?.service.statuspage;
    await until(
      () => servicePusher()?.sending,
      (sending) => sending === false,
      5_000,
    );
    return servicePusher()?.pendingCycles;
  };

  beforeEach(async () => {
    fake = await startFakeStatuspage();
    log = capturingLogger();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await t?.close();
    t = undefined;
    pusher?.close();
    pusher = undefined;
    await fake.close();
  });

  const start = (timeoutMs = 10_000, componentId?: string) =>
    startTestService({
      env: statuspageEnv(fake.url, componentId ? { componentId } : {}),
      service: { logger: log.logger, statuspage: { timeoutMs } },
    });

  it("sends every figure in one batch request, with the OAuth key, unix seconds and numbers", async () => {
    t = await start();
    await seedMixedFleet(t);
    await fake.waitFor(1);
    const [push] = fake.pushes;
    expect(push?.method).toBe("POST");
    expect(push?.path).toBe("/v1/pages/page01/metrics/data");
    expect(push?.headers.authorization).toBe(`OAuth ${API_KEY}`);
    expect(push?.headers["content-type"]).toBe("application/json");
    const body = push?.body as Body;
    expect(Object.keys(body)).toEqual(["data"]);
    expect(Object.keys(body.data).sort()).toEqual(Object.values(METRIC_IDS).sort());
    const finishedAt = t.service.cycles.latest(1)[0]?.finishedAt as number;
    for (const points of Object.values(body.data)) {
      expect(points).toHaveLength(1);
      const [point] = points;
      expect(Object.keys(point ?? {}).sort()).toEqual(["timestamp", "value"]);
      // Seconds, not milliseconds: a whole number near now / 1000.
      expect(point?.timestamp).toBe(Math.floor(finishedAt / 1000));
      expect(Number.isInteger(point?.timestamp)).toBe(true);
      expect(typeof point?.value).toBe("number");
      expect(Number.isFinite(point?.value)).toBe(true);
    }
    const value = (figure: keyof typeof METRIC_IDS) => body.data[METRIC_IDS[figure]]?.[0]?.value;
    expect(value("hostsTotal")).toBe(10);
    expect(value("running")).toBe(5);
    expect(value("unhealthy")).toBe(4);
    expect(value("remediating")).toBe(0);
    expect(value("remediations")).toBe(4);
    expect(log.lines.join("")).not.toContain(API_KEY);
  });

  it("keeps at least a second between requests, component ones included, however fast the cycles come", async () => {
    // When the pusher starts each request. Arrival times at the fake would carry the
    // first request's connection set-up as well, tens of milliseconds on a busy machine.
    const starts: number[] = [];
    const send = globalThis.fetch;
    jest.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
      starts.push(Date.now());
      return send(input, init);
    });
    // With a component: its status and incident spend the same key's one request a second.
    t = await start(10_000, STATUSPAGE_COMPONENT_ID);
    for (let i = 0; i < 4; i++) {
      await t.service.healthCheck.run();
      t.clock.advanceMinutes(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await t.service.healthCheck.run();
    await fake.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(starts).toHaveLength(fake.pushes.length);
    for (let i = 1; i < starts.length; i++) {
      expect((starts[i] as number) - (starts[i - 1] as number)).toBeGreaterThanOrEqual(990);
    }
    // Nothing lost: every cycle's point went out once, in order.
    expect(fake.pushes.some((p) => p.path.includes("/components/"))).toBe(true);
    const sent = fake.pushes
      .filter((p) => p.path.endsWith("/metrics/data"))
      .flatMap((p) =>
        (p.body as Body).data[METRIC_IDS.hostsTotal]?.map((point) => point.timestamp),
      );
    const cycles = t.service.cycles.latest(10).reverse();
    expect(sent).toEqual(cycles.map((c) => Math.floor(c.finishedAt / 1000)));
  });

  it("resends the points of a failed push with the next cycle's", async () => {
    t = await start();
    fake.mode = "fail";
    await t.service.healthCheck.run();
    await fake.waitFor(1);
    expect(await pendingOnceAnswered()).toBe(1);
    fake.mode = "ok";
    t.clock.advanceMinutes(5);
    await t.service.healthCheck.run();
    await fake.waitFor(2);
    const resent = (fake.pushes[1]?.body as Body).data[METRIC_IDS.running];
    const [first, second] = t.service.cycles.latest(2).reverse();
    expect(resent?.map((p) => p.timestamp)).toEqual([
      Math.floor((first?.finishedAt as number) / 1000),
      Math.floor((second?.finishedAt as number) / 1000),
    ]);
    expect(await pendingOnceAnswered()).toBe(0);
  });

  it("drops points Statuspage refuses (4xx), since resending cannot help", async () => {
    t = await start();
    fake.mode = "reject";
    await t.service.healthCheck.run();
    await fake.waitFor(1);
    expect(await pendingOnceAnswered()).toBe(0);
    expect(log.lines.join("")).toContain("statuspage refused the points");
  });

  it("never delays the health check: a hanging Statuspage times out and its points go next cycle", async () => {
    t = await start(400);
    fake.mode = "hang";
    const began = Date.now();
    await t.service.healthCheck.run();
    expect(Date.now() - began).toBeLessThan(300);
    await fake.waitFor(1);
    // The cycle finished while the request still hangs.
    expect(t.service.statuspage?.pendingCycles).toBe(0);
    // Once the 400 ms timeout fires the points are pending again.
    expect(await pendingOnceAnswered()).toBe(1);
    fake.mode = "ok";
    t.clock.advanceMinutes(5);
    await t.service.healthCheck.run();
    await fake.waitFor(2);
    expect((fake.pushes[1]?.body as Body).data[METRIC_IDS.hostsTotal]).toHaveLength(2);
  });

  it("keeps a bounded backlog while Statuspage is unreachable, dropping the oldest", async () => {
    fake.mode = "hang";
    const backlog = new StatuspagePusher({
      config: { pageId: "p", apiKey: API_KEY, metricIds: METRIC_IDS, url: fake.url },
      logger: log.logger,
      maxPendingCycles: 3,
      timeoutMs: 5_000,
    });
    pusher = backlog;
    const figures = { hostsTotal: 1, running: 1, unhealthy: 0, remediating: 0, remediations: 0 };
    backlog.push(figures, 1_000_000);
    await fake.waitFor(1);
    for (let i = 1; i <= 5; i++) backlog.push(figures, 1_000_000 + i * 60_000);
    expect(backlog.pendingCycles).toBe(3);
    expect(log.lines.join("")).toContain("dropping the oldest unsent points");
  });
});
