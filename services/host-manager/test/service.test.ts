// The assembled service: the cron schedule runs cycles, the operator views, and a
// graceful stop that waits for an in-flight cycle (within its bound).
import pino from "pino";
import { Writable } from "node:stream";
import { SimulatedCloud } from "../src/adapters/cloud/simulated";
import { systemClock } from "../src/clock";
import type { CloudDriver } from "../src/domain/cloud";
import { createService, type Service, type ServiceOptions } from "../src/service";
import { fakeDriver } from "./support/driver";
import { FakeAlicloud } from "./support/fake-alicloud";
import {
  report,
  silentLogger,
  tempDir,
  testConfig,
  TOKEN,
  viewerAuth,
  VIEWER,
  T0,
} from "./support/fixtures";
import { until } from "./support/until";

const auth = viewerAuth;

describe("service", () => {
  let dir: ReturnType<typeof tempDir>;
  let started: Service | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await started?.stop();
    started = undefined;
    dir.remove();
  });

  /** The service on the system clock in this test's data directory, stopped after it. */
  const start = (
    env: Record<string, string> = {},
    options: Omit<ServiceOptions, "config" | "logger"> = {},
  ) => {
    started = createService({
      config: testConfig(dir.path, env),
      logger: silentLogger(),
      ...options,
    });
    if (!started.operators.byName(VIEWER.name)) {
      started.operators.addWithToken(VIEWER.name, "viewer", VIEWER.token, T0);
    }
    return started;
  };

  it("runs cycles on the cron schedule and shows them on /api/v1/health-check", async () => {
    const service = start({ HOST_MANAGER_SCHEDULE: "* * * * * *" });
    const url = await service.listen("127.0.0.1");
    type HealthCheckView = {
      schedule: string;
      nextRunAt: string;
      stormGuardOpen: boolean;
      cycles: { total: number; actions: unknown[] }[];
    };
    const healthCheck = async () => {
      const res = await fetch(`${url}/api/v1/health-check?limit=5`, { headers: auth });
      return (await res.json()) as HealthCheckView;
    };
    // Once a cycle has run on its schedule, the view lists it.
    const view = await until(healthCheck, (v) => v.cycles.length >= 1, 10_000, 200);
    expect(view.schedule).toBe("* * * * * *");
    expect(Date.parse(view.nextRunAt)).toBeGreaterThan(Date.now() - 1_000);
    expect(view.cycles.length).toBeGreaterThanOrEqual(1);
    expect(view.cycles[0]).toMatchObject({ total: 10, actions: [] });
    expect(view.stormGuardOpen).toBe(false);
    const bad = await fetch(`${url}/api/v1/health-check?limit=0`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe("limit");
  });

  it("says in its start-up log which cloud endpoints it calls", async () => {
    const fake = new FakeAlicloud();
    const endpoint = await fake.start();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    try {
      started = createService({
        config: testConfig(dir.path),
        logger: pino({ level: "info" }, sink),
        cloud: fakeDriver(endpoint),
        schedule: false,
      });
      await started.listen("127.0.0.1");
      const listening = lines
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === "host-manager listening");
      expect(listening).toMatchObject({
        cloud: "alicloud",
        endpoints: { ecs: endpoint, ess: endpoint },
      });
    } finally {
      await started?.stop();
      started = undefined;
      await fake.stop();
    }
  });

  it("lists archived hosts only when asked", async () => {
    const cloud = new SimulatedCloud(3, systemClock);
    const service = start({}, { cloud, schedule: false });
    await service.inventory.refresh();
    await cloud.replaceInstance("i-sim-0001", "remove");
    await service.healthCheck.run();
    const get = async (query: string) =>
      (
        await service.app.inject({ method: "GET", url: `/api/v1/hosts${query}`, headers: auth })
      ).json() as {
        hosts: { instanceId: string; archivedAt: string | null }[];
      };
    expect((await get("")).hosts.map((h) => h.instanceId)).toEqual([
      "i-sim-0002",
      "i-sim-0003",
      "i-sim-0004",
    ]);
    const all = await get("?archived=true");
    expect(all.hosts.find((h) => h.instanceId === "i-sim-0001")?.archivedAt).not.toBeNull();
  });

  it("stop() waits for an in-flight cycle before closing the database", async () => {
    const sim = new SimulatedCloud(3, systemClock);
    let release: () => void = () => undefined;
    let listing = 0;
    const slow: CloudDriver = {
      name: "slow",
      listInstances: async () => {
        if (listing++ > 0) await new Promise<void>((resolve) => (release = resolve));
        return sim.listInstances();
      },
      rebootInstance: (id) => sim.rebootInstance(id),
      replaceInstance: (id, mode) => sim.replaceInstance(id, mode),
    };
    const service = start({}, { cloud: slow, schedule: false });
    await service.inventory.refresh();
    const ok = await service.app.inject({
      method: "POST",
      url: "/rpc/v1/status",
      headers: { authorization: `Bearer ${TOKEN}` },
      remoteAddress: "10.0.0.5",
      payload: report("i-sim-0001", { privateIp: "10.0.0.5" }),
    });
    expect(ok.statusCode).toBe(200);
    const cycle = service.healthCheck.run();
    let stopped = false;
    const stopping = service.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped).toBe(false);
    release();
    await cycle;
    await stopping;
    expect(stopped).toBe(true);
    expect(service.db.open).toBe(false);
  });
});
