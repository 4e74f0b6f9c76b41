// Starts the service in-process on a temp data dir with the simulated cloud and a manual clock.
import { ManualClock } from "./manual-clock";
import { SimulatedCloud } from "../../src/adapters/cloud/simulated";
import type { CloudDriver } from "../../src/domain/cloud";
import { createService, type Service, type ServiceOptions } from "../../src/service";
import { OPERATOR, silentLogger, T0, tempDir, testConfig, TOKEN, VIEWER } from "./fixtures";
import type { FastifyInstance } from "fastify";

export interface TestService {
  service: Service;
  clock: ManualClock;
  cloud: CloudDriver;
  dataDir: string;
  /** The fleet token: what hosts report with, and nothing else. */
  auth: { authorization: string };
  /** An operator (role `operator`) and a viewer, added at start. */
  operator: { authorization: string };
  viewer: { authorization: string };
  /** Listens on 127.0.0.1 (a free port) and returns the base URL: real HTTP, real sockets. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function startTestService(
  options: {
    env?: Record<string, string>;
    cloud?: (clock: ManualClock) => CloudDriver;
    /** Passed through to createService (logger, statuspage knobs, ...). */
    service?: Partial<Omit<ServiceOptions, "config" | "clock" | "cloud">>;
    /** Registers more routes before the app is ready (a route under test). */
    routes?: (app: FastifyInstance, service: Service) => void;
  } = {},
): Promise<TestService> {
  const dir = tempDir();
  const clock = new ManualClock(T0);
  const cloud = options.cloud?.(clock) ?? new SimulatedCloud(10, clock);
  const service = createService({
    config: testConfig(dir.path, options.env),
    clock,
    cloud,
    logger: silentLogger(),
    schedule: false,
    // Process metrics add nothing to these tests and cost a GC observer per service.
    defaultMetrics: false,
    // Reports come from 127.0.0.1 (inject, or real sockets here) for the simulated hosts.
    loopbackReports: true,
    // These tests look at the page and the gauge right after a report.
    snapshotMaxAgeMs: 0,
    ...options.service,
  });
  service.operators.addWithToken(OPERATOR.name, "operator", OPERATOR.token, T0);
  service.operators.addWithToken(VIEWER.name, "viewer", VIEWER.token, T0);
  options.routes?.(service.app, service);
  await service.inventory.refresh();
  await service.app.ready();
  return {
    service,
    clock,
    cloud,
    dataDir: dir.path,
    auth: { authorization: `Bearer ${TOKEN}` },
    operator: { authorization: `Bearer ${OPERATOR.token}` },
    viewer: { authorization: `Bearer ${VIEWER.token}` },
    listen: () => service.listen("127.0.0.1"),
    async close() {
      await service.stop();
      dir.remove();
    },
  };
}

/** Everything the database holds, for "nothing changed" assertions. */
export function fingerprint(service: Service): string {
  return JSON.stringify({
    hosts: service.store.listAll(),
    events: service.store.allEvents(),
    cycles: service.cycles.latest(1000),
  });
}

/**
 * A fresh service listening on 127.0.0.1 for each test of the calling block, closed after
 * it: `t` and `url` are read inside the tests. `postReport` sends a report over real HTTP.
 */
export function eachListening(options: Parameters<typeof startTestService>[0] = {}): {
  readonly t: TestService;
  readonly url: string;
  postReport(body: unknown): Promise<Response>;
} {
  let current: { t: TestService; url: string } | undefined;
  beforeEach(async () => {
    const t = await startTestService(options);
    current = { t, url: await t.listen() };
  });
  afterEach(() => current?.t.close());
  const get = () => {
    if (!current) throw new Error("eachListening: read t and url inside a test");
    return current;
  };
  return {
    get t() {
      return get().t;
    },
    get url() {
      return get().url;
    },
    postReport: (body) =>
      fetch(`${get().url}/rpc/v1/status`, {
        method: "POST",
        headers: { ...get().t.auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
  };
}
