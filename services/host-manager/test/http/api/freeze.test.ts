// The freeze over real HTTP: set with a bounded end and a reason, shown by
// /api/v1/health-check with what the last cycle held, counted by /metrics, ended by
// hand, and kept across a restart on the same database. The rollout's pause likewise.
import { SimulatedCloud } from "../../../src/adapters/cloud/simulated";
import { listedPerCycle } from "../../../src/adapters/storage/cycle-digests";
import { createService } from "../../../src/service";
import type { HostStore } from "../../../src/adapters/storage/hosts";
import {
  MINUTE,
  OPERATOR,
  report,
  silentLogger,
  T0,
  testConfig,
  TOKEN,
  VIEWER,
} from "../../support/fixtures";
import { ManualClock } from "../../support/manual-clock";
import { startTestService, type TestService } from "../../support/service";

let t: TestService | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

// State-changing: an operator's token (the fleet token and a viewer's are refused, below).
const auth = { authorization: `Bearer ${OPERATOR.token}` };
const json = { ...auth, "content-type": "application/json" };

/** All hosts but the first two report now: two silent hosts, under the storm guard. */
function allButTwoReport(store: HostStore, now: number): void {
  const ids = store
    .listActive()
    .map((host) => host.instanceId)
    .slice(2);
  store.applyReports(
    ids.map((id) => report(id, { privateIp: store.get(id)?.cloudPrivateIp ?? "10.0.0.1" })),
    now,
  );
}

async function call(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? auth : json,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text.startsWith("{") ? JSON.parse(text) : text };
}

describe("the freeze API", () => {
  it("freezes, shows the held actions and the gauge, and unfreezes", async () => {
    t = await startTestService();
    const base = await t.listen();
    const until = new Date(T0 + 60 * MINUTE).toISOString();
    const frozen = await call(base, "POST", "/api/v1/freeze", { until, reason: "bench run 42" });
    expect(frozen).toEqual({
      status: 201,
      body: expect.objectContaining({
        frozen: true,
        until,
        reason: "bench run 42",
        by: OPERATOR.name,
      }),
    });
    // Two hosts never report: past the start-up timeout they are judged, their reboots held.
    await t.service.healthCheck.run();
    t.clock.advanceMs(25 * MINUTE);
    allButTwoReport(t.service.store, t.clock.now());
    await t.service.healthCheck.run();
    const view = await call(base, "GET", "/api/v1/health-check?limit=1");
    expect(view.body).toMatchObject({ frozen: true, until, reason: "bench run 42" });
    expect(view.body.heldActions).toHaveLength(2);
    expect(view.body.heldActions[0]).toMatchObject({ action: "reboot" });
    expect((t.cloud as SimulatedCloud).events).toEqual([]);
    expect((await call(base, "GET", "/metrics")).body).toMatch(/^host_manager_frozen 1$/m);

    expect((await call(base, "POST", "/api/v1/unfreeze", {})).status).toBe(400);
    const ended = await call(base, "DELETE", "/api/v1/freeze", { reason: "bench done" });
    expect(ended).toEqual({ status: 200, body: { frozen: false, ended: true } });
    expect((await call(base, "GET", "/api/v1/health-check?limit=1")).body).toMatchObject({
      frozen: false,
      heldActions: [],
    });
    expect((await call(base, "GET", "/metrics")).body).toMatch(/^host_manager_frozen 0$/m);
    // Both actions are in the audit log under the operator's name, with their reasons.
    const audit = await call(base, "GET", "/api/v1/audit");
    expect(audit.body.entries).toEqual([
      expect.objectContaining({ who: OPERATOR.name, action: "unfreeze", reason: "bench done" }),
      expect.objectContaining({ who: OPERATOR.name, action: "freeze", reason: "bench run 42" }),
    ]);
  });

  it("refuses a freeze from the fleet token and from a viewer", async () => {
    t = await startTestService();
    const base = await t.listen();
    const until = new Date(T0 + 60 * MINUTE).toISOString();
    for (const token of [TOKEN, VIEWER.token]) {
      const response = await fetch(`${base}/api/v1/freeze`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ until, reason: "not mine to freeze" }),
      });
      expect(response.status).toBe(403);
    }
    expect((await call(base, "GET", "/metrics")).body).toMatch(/^host_manager_frozen 0$/m);
  });

  it("refuses a freeze without a reason, without an end, or past the bound", async () => {
    t = await startTestService();
    const base = await t.listen();
    const soon = new Date(T0 + MINUTE).toISOString();
    const late = new Date(T0 + 8 * 24 * 60 * MINUTE).toISOString();
    const past = new Date(T0 - MINUTE).toISOString();
    for (const body of [
      { until: soon },
      { reason: "x" },
      { until: late, reason: "x" },
      { until: past, reason: "x" },
    ]) {
      const answer = await call(base, "POST", "/api/v1/freeze", body);
      expect(answer.status).toBe(400);
    }
    expect((await call(base, "GET", "/api/v1/health-check?limit=1")).body.frozen).toBe(false);
  });

  it("needs the token", async () => {
    t = await startTestService();
    const base = await t.listen();
    const response = await fetch(`${base}/api/v1/freeze`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ until: new Date(T0 + MINUTE).toISOString(), reason: "x" }),
    });
    expect(response.status).toBe(401);
  });

  it("pauses and resumes the rollout", async () => {
    t = await startTestService();
    const base = await t.listen();
    expect(
      (await call(base, "POST", "/api/v1/rollout/pause", { reason: "look first" })).body,
    ).toMatchObject({
      paused: true,
      reason: "look first",
    });
    expect(
      (await call(base, "GET", "/api/v1/health-check?limit=1")).body.rolloutPause,
    ).toMatchObject({
      paused: true,
    });
    expect((await call(base, "POST", "/api/v1/rollout/resume", { reason: "ok" })).body).toEqual({
      paused: false,
      resumed: true,
    });
    expect((await call(base, "GET", "/api/v1/health-check?limit=1")).body.rolloutPause).toEqual({
      paused: false,
    });
  });
});

describe("a frozen storm", () => {
  it("has its held list cut like the other lists, its length said", async () => {
    t = await startTestService();
    const base = await t.listen();
    await t.service.healthCheck.run();
    const [cycle] = t.service.cycles.latest(1);
    const held = Array.from({ length: 3_000 }, (_, i) => ({
      instanceId: `i-held-${String(i).padStart(5, "0")}`,
      action: "reboot" as const,
      reason: "heartbeat-timeout",
    }));
    t.service.cycles.add({ ...cycle, finishedAt: cycle.finishedAt + 1, heldByFreeze: held });
    const body = (await call(base, "GET", "/api/v1/health-check?limit=10")).body;
    expect(body.cycles[0].heldByFreeze).toHaveLength(listedPerCycle(10));
    expect(body.cycles[0].listTotals).toMatchObject({ heldByFreeze: 3_000 });
    // Cycles without the list do not grow one.
    expect(body.cycles[1]).not.toHaveProperty("heldByFreeze");
    expect(body.cycles[1].listTotals).not.toHaveProperty("heldByFreeze");
  });
});

describe("the status page", () => {
  it("shows a frozen banner with the end, the escaped reason and the held actions", async () => {
    t = await startTestService();
    const base = await t.listen();
    const until = new Date(T0 + 60 * MINUTE).toISOString();
    const reason = '<script>alert("x")</script> run & see';
    await call(base, "POST", "/api/v1/freeze", { until, reason });
    await t.service.healthCheck.run();
    t.clock.advanceMs(25 * MINUTE);
    allButTwoReport(t.service.store, t.clock.now());
    await t.service.healthCheck.run();
    const page = await fetch(`${base}/`, { headers: auth });
    const body = await page.text();
    expect(body).toContain('data-frozen="true"');
    expect(body).toContain(`Fleet frozen until ${until}`);
    expect(body).not.toContain("<script>");
    expect(body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; run &amp; see");
    expect(body.match(/data-held="/g)).toHaveLength(2);
    // Unfrozen, the banner goes at the next render, whatever the snapshot's age.
    await call(base, "POST", "/api/v1/unfreeze", { reason: "done" });
    expect(await (await fetch(`${base}/`, { headers: auth })).text()).not.toContain("data-frozen");
  });
});

describe("a restart", () => {
  it("keeps the freeze", async () => {
    t = await startTestService();
    const base = await t.listen();
    const until = new Date(T0 + 60 * MINUTE).toISOString();
    await call(base, "POST", "/api/v1/freeze", { until, reason: "bench" });
    await t.service.stop();
    // Another process on the same database.
    const clock = new ManualClock(T0 + MINUTE);
    const again = createService({
      config: testConfig(t.dataDir),
      clock,
      cloud: new SimulatedCloud(10, clock),
      logger: silentLogger(),
      schedule: false,
      defaultMetrics: false,
      loopbackReports: true,
    });
    try {
      const url = await again.listen("127.0.0.1");
      expect((await call(url, "GET", "/api/v1/health-check?limit=1")).body).toMatchObject({
        frozen: true,
        until,
      });
      clock.advanceMs(25 * MINUTE);
      allButTwoReport(again.store, clock.now());
      const summary = await again.healthCheck.run();
      expect(summary.frozen).toBeDefined();
      expect(summary.heldByFreeze?.length).toBe(2);
      expect(summary.actions).toEqual([]);
    } finally {
      await again.stop();
    }
  });
});
