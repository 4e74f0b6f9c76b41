// Issue 17: a passive host-manager (another holds the lease on the shared database)
// wrote session rows when an operator signed in to it, and capped session expiries at
// its start. It now writes nothing: sign-in, sign-out and every other write get a 503
// that names the active manager, and once it takes over it signs operators in.
import { createService, type Service } from "../../src/service";
import { OPERATOR, silentLogger, T0, tempDir, testConfig } from "../support/fixtures";
import { ManualClock } from "../support/manual-clock";

const HOUR = 3_600_000;

describe("a passive host-manager", () => {
  let dir: ReturnType<typeof tempDir>;
  const services: Service[] = [];
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    for (const s of services.splice(0).reverse()) await s.stop();
    dir.remove();
  });

  const start = (clock: ManualClock) => {
    const service = createService({
      config: testConfig(dir.path, { HOST_MANAGER_COOKIE_SECURE: "false" }),
      clock,
      logger: silentLogger(),
      schedule: false,
      defaultMetrics: false,
    });
    services.push(service);
    return service;
  };
  const sessionRows = (s: Service) =>
    s.db.prepare("SELECT id, expires_at AS expiresAt FROM sessions ORDER BY id").all();
  const signIn = (s: Service) =>
    s.app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ name: OPERATOR.name, token: OPERATOR.token }).toString(),
    });

  it("answers sign-in, sign-out and a freeze with 503 naming the active one, and writes no session", async () => {
    const first = start(new ManualClock(T0));
    first.operators.addWithToken(OPERATOR.name, "operator", OPERATOR.token, T0);
    expect((await signIn(first)).statusCode).toBe(303);
    const before = sessionRows(first);
    expect(before).toHaveLength(1);

    // Started an hour behind: a write of its own would cap the session's expiry.
    const second = start(new ManualClock(T0 - HOUR));
    expect(second.lease.isActive()).toBe(false);
    const refused = await signIn(second);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect(refused.json()).toMatchObject({ role: "passive", active: first.lease.holder });
    expect(refused.json().error).toContain(first.lease.holder);
    expect(refused.headers["set-cookie"]).toBeUndefined();
    const out = await second.app.inject({ method: "POST", url: "/logout" });
    expect(out.statusCode).toBe(503);
    const freeze = await second.app.inject({
      method: "POST",
      url: "/api/v1/freeze",
      headers: { authorization: `Bearer ${OPERATOR.token}` },
      payload: { reason: "benchmark", until: new Date(T0 + HOUR).toISOString() },
    });
    expect(freeze.statusCode).toBe(503);
    // Nothing written: not the sign-in, not the start-up's expiry cap.
    expect(sessionRows(first)).toEqual(before);
    // Reads are still served from the shared database.
    const read = await second.app.inject({
      method: "GET",
      url: "/api/v1/hosts",
      headers: { authorization: `Bearer ${OPERATOR.token}` },
    });
    expect(read.statusCode).toBe(200);

    // Once it holds the lease, it signs operators in.
    await first.stop();
    services.splice(services.indexOf(first), 1);
    expect(second.lease.poll()).toBe("active");
    expect((await signIn(second)).statusCode).toBe(303);
    expect(sessionRows(second)).toHaveLength(2);
  });

  it("reads the jobs without sweeping them: a timed-out task is moved by the active one", async () => {
    const clock = new ManualClock(T0);
    const first = start(clock);
    first.operators.addWithToken(OPERATOR.name, "operator", OPERATOR.token, T0);
    await first.inventory.refresh();
    const operator = { authorization: `Bearer ${OPERATOR.token}` };
    const submitted = await first.app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: operator,
      payload: {
        action: "stop-client",
        hosts: { all: true },
        reason: "perf run",
        deadline: new Date(T0 + 60_000).toISOString(),
      },
    });
    expect(submitted.statusCode).toBe(201);
    const { id } = submitted.json() as { id: string };
    const states = () =>
      first.db.prepare("SELECT state, COUNT(*) AS n FROM job_tasks GROUP BY state").all();
    const before = states();
    const second = start(clock);
    expect(second.lease.isActive()).toBe(false);
    // Past the deadline: a sweep would fail every task not yet started.
    clock.advanceMs(5 * 60_000);
    const read = await second.app.inject({ url: `/api/v1/jobs/${id}`, headers: operator });
    expect(read.statusCode).toBe(200);
    expect(states()).toEqual(before);
    await first.app.inject({ url: `/api/v1/jobs/${id}`, headers: operator });
    expect(states()).not.toEqual(before);
  });
});
