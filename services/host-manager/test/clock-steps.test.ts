// Issue 17, time: after a corrected clock step of a day, a host that died was not
// remediated for a day. Reports stamped under the clock a day ahead looked a day in the
// future once it was set back, so no heartbeat timeout ran until it caught up. And while
// the service runs, a step of the system clock must not move an elapsed time at all.
import { SimulatedCloud } from "../src/adapters/cloud/simulated";
import { HostStore } from "../src/adapters/storage/hosts";
import { openDatabase } from "../src/adapters/storage/database";
import { SESSION_TTL_SECONDS } from "../src/http/status-page/session";
import { createService, type Service } from "../src/service";
import { ManualClock } from "./support/manual-clock";
import {
  MINUTE,
  report,
  silentLogger,
  T0,
  tempDir,
  testConfig,
  TOKEN,
  VIEWER,
} from "./support/fixtures";

const DAY = 24 * 60 * MINUTE;

describe("clock steps", () => {
  let dir: ReturnType<typeof tempDir>;
  let started: Service[] = [];
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    for (const service of started) await service.stop();
    started = [];
    dir.remove();
  });

  const start = (clock?: ManualClock, cloud?: SimulatedCloud) => {
    const service = createService({
      config: testConfig(dir.path),
      logger: silentLogger(),
      schedule: false,
      defaultMetrics: false,
      loopbackReports: true,
      ...(clock ? { clock } : {}),
      ...(cloud ? { cloud } : {}),
    });
    // The same data directory across restarts: the viewer is added once.
    if (!service.operators.byName(VIEWER.name)) {
      service.operators.addWithToken(VIEWER.name, "viewer", VIEWER.token, T0);
    }
    started.push(service);
    return service;
  };
  const heartbeat = (service: Service, clock: ManualClock, ids: readonly string[]) =>
    service.store.applyReports(
      ids.map((id) => report(id, { privateIp: service.store.get(id)?.cloudPrivateIp })),
      clock.now(),
    );

  it("remediates a host that dies after the clock was set back a day", async () => {
    const clock = new ManualClock(T0 - 60 * MINUTE);
    const cloud = new SimulatedCloud(3, clock);
    // A day ahead: the hosts report and are stamped with tomorrow.
    clock.set(T0 + DAY);
    const before = start(clock, cloud);
    await before.inventory.refresh();
    heartbeat(before, clock, ["i-sim-0001", "i-sim-0002", "i-sim-0003"]);
    await before.stop();
    started = [];

    // The clock is corrected and the service restarted; i-sim-0001 never reports again.
    clock.set(T0);
    const after = start(clock, cloud);
    expect(after.store.get("i-sim-0001")?.lastReportAt).toBe(T0);
    for (let minute = 1; minute <= 12; minute++) {
      clock.advanceMinutes(1);
      heartbeat(after, clock, ["i-sim-0002", "i-sim-0003"]);
    }
    const summary = await after.healthCheck.run();
    expect(summary.unhealthy).toBe(1);
    expect(after.store.events("i-sim-0001")).toEqual([
      expect.objectContaining({ action: "reboot", reason: "heartbeat-timeout" }),
    ]);
  });

  it("ends a status-page session begun a day ahead at its TTL after the clock is set back", async () => {
    const clock = new ManualClock(T0 + DAY);
    const cloud = new SimulatedCloud(1, clock);
    const before = start(clock, cloud);
    const signIn = await before.app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ name: VIEWER.name, token: VIEWER.token }).toString(),
    });
    const cookie = String(signIn.headers["set-cookie"]).split(";")[0] as string;
    const page = (service: Service) =>
      service.app.inject({ method: "GET", url: "/", headers: { cookie } });
    expect((await page(before)).statusCode).toBe(200);
    await before.stop();
    started = [];

    clock.set(T0);
    const after = start(clock, cloud);
    expect((await page(after)).statusCode).toBe(200);
    clock.set(T0 + SESSION_TTL_SECONDS * 1000 + MINUTE);
    expect((await page(after)).statusCode).toBe(303);
  });

  it("keeps the service's elapsed times when the system clock steps while it runs", async () => {
    const service = start();
    await service.inventory.refresh();
    const url = await service.listen("127.0.0.1");
    const realNow = Date.now();
    // The system clock jumps a day ahead: a host reporting now is stamped with real time.
    const wall = jest.spyOn(Date, "now").mockReturnValue(realNow + DAY);
    try {
      const id = "i-sim-0001";
      const res = await fetch(`${url}/rpc/v1/status`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(report(id, { privateIp: service.store.get(id)?.cloudPrivateIp })),
      });
      expect(res.status).toBe(200);
      const stamped = service.store.get(id)?.lastReportAt ?? 0;
      expect(stamped).toBeGreaterThanOrEqual(realNow - MINUTE);
      expect(stamped).toBeLessThan(realNow + MINUTE);
      // Nothing is judged silent for the day the system clock jumped.
      expect((await service.healthCheck.run()).unhealthy).toBe(0);
      // The step shows on /metrics, so an operator knows a restart will follow it.
      const metrics = await fetch(`${url}/metrics`, {
        headers: { authorization: `Bearer ${VIEWER.token}` },
      });
      const offset = /^host_manager_clock_offset_seconds (\S+)$/m.exec(await metrics.text());
      expect(Number(offset?.[1])).toBeGreaterThan(DAY / 1000 - 120);
    } finally {
      wall.mockRestore();
    }
  });
});

describe("HostStore.clampFutureTimestamps", () => {
  it("sets every host time later than now to now, and leaves the rest", () => {
    const dir = tempDir();
    const db = openDatabase(dir.path);
    try {
      const store = new HostStore(db);
      const instance = (id: string, createdAt: number) => ({
        instanceId: id,
        privateIp: "10.0.0.5",
        createdAt,
        lifecycleState: "InService",
        generation: null,
      });
      store.syncInventory([instance("i-a", T0 - DAY), instance("i-b", T0 - DAY)], T0 - DAY);
      store.applyReports([report("i-a")], T0 + DAY);
      store.applyReports([report("i-b")], T0 - MINUTE);
      const a = store.get("i-a");
      expect(
        store.recordRemediation(
          "i-a",
          a?.version ?? 0,
          { remediationState: "rebooting", remediationAttempts: 1, lastRemediationAt: T0 + DAY },
          {
            at: T0 + DAY,
            action: "reboot",
            outcome: "ok",
            reason: "heartbeat-timeout",
            detail: null,
          },
        ),
      ).toBe(true);
      const untouched = store.get("i-b");

      expect(store.clampFutureTimestamps(T0)).toBe(1);
      expect(store.get("i-a")).toMatchObject({
        lastReportAt: T0,
        statusSince: T0,
        lastRemediationAt: T0,
        cloudCreatedAt: T0 - DAY,
        archivedAt: null,
        version: (a?.version ?? 0) + 2,
      });
      expect(store.events("i-a").map((event) => event.at)).toEqual([T0]);
      expect(store.get("i-b")).toEqual(untouched);
      expect(store.clampFutureTimestamps(T0)).toBe(0);
    } finally {
      db.close();
      dir.remove();
    }
  });

  it("an instance the cloud says was created later than now enters as created now", () => {
    const dir = tempDir();
    const db = openDatabase(dir.path);
    try {
      const store = new HostStore(db);
      store.syncInventory(
        [
          {
            instanceId: "i-a",
            privateIp: "10.0.0.5",
            createdAt: T0 + DAY,
            lifecycleState: "InService",
            generation: null,
          },
        ],
        T0,
      );
      expect(store.get("i-a")).toMatchObject({ cloudCreatedAt: T0, statusSince: T0 });
    } finally {
      db.close();
      dir.remove();
    }
  });
});
