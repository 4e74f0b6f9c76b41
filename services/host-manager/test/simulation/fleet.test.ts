// Issue 14 item 8: the simulated fleet behaves. Its hosts report by themselves over real
// HTTP, each from its own loopback alias (the report-origin check on, as in production),
// to the service in this process; a seeded share fails in each way the health check
// knows; the ladder reboots them through the simulated cloud (a reboot takes time), and
// replaces those a reboot does not heal (a new instance after a delay, like ESS).
import { SimulatedCloud } from "../../src/adapters/cloud/simulated";
import { assessHost } from "../../src/domain/assessment";
import { healthSettings } from "../../src/adapters/env/config";
import { FleetSimulator, type SimulationSettings } from "../../src/simulation/fleet-simulator";
import {
  EXPECTED_REASON,
  FAILURE_MODES,
  planFleet,
  type FailureMode,
} from "../../src/simulation/host-plan";
import { seededRandom } from "../../src/simulation/random";
import { httpReportSender } from "../../src/simulation/http-sender";
import { testConfig, TOKEN } from "../support/fixtures";
import { startTestService, type TestService } from "../support/service";

const SECOND = 1_000;
const ENV = {
  HOST_MANAGER_STARTUP_TIMEOUT_MINUTES: "2",
  HOST_MANAGER_HEARTBEAT_TIMEOUT_MINUTES: "1",
  HOST_MANAGER_REBOOT_COOLDOWN_MINUTES: "1",
  HOST_MANAGER_MAX_UNHEALTHY: "100%",
};
const TICK_MS = 5 * SECOND;
const CYCLE_MS = 30 * SECOND;

describe("the simulated fleet", () => {
  let t: TestService;
  let cloud: SimulatedCloud;
  let sim: FleetSimulator;
  afterEach(() => t.close());

  const start = async (
    hosts: number,
    settings: Partial<SimulationSettings>,
    fromOwnAddress = true,
  ) => {
    t = await startTestService({
      env: ENV,
      cloud: (clock) =>
        (cloud = new SimulatedCloud(hosts, clock, {
          addresses: "loopback",
          rebootMs: 30 * SECOND,
          replaceDelayMs: 60 * SECOND,
        })),
      // The report-origin check as in production: a report only from the host's own IP.
      service: { loopbackReports: false },
    });
    const url = await t.listen();
    sim = new FleetSimulator(
      cloud,
      t.clock,
      { heartbeatMs: 20 * SECOND, failureShare: 0, rebootHealsShare: 0.5, seed: 7, ...settings },
      httpReportSender({ baseUrl: url, token: TOKEN, fromOwnAddress }),
    );
  };

  /** Moves on in 5 s ticks (hosts report) with a cycle every 30 s, for `ms`. */
  const run = async (ms: number) => {
    for (let elapsed = 0; elapsed < ms; elapsed += TICK_MS) {
      t.clock.advanceMs(TICK_MS);
      await sim.tick();
      if ((elapsed + TICK_MS) % CYCLE_MS === 0) await t.service.healthCheck.run();
    }
  };

  const judged = () => {
    const context = {
      now: t.clock.now(),
      observingSince: t.service.healthCheck.observingSince,
      // The settings the service runs with: the same env through the same loader.
      settings: healthSettings(testConfig(t.dataDir, ENV)),
    };
    return t.service.store
      .listAll()
      .filter((h) => h.archivedAt === null)
      .map((h) => ({ id: h.instanceId, status: h.status, ...assessHost(h, context) }));
  };

  it("reports by itself, every host from its own address, and a healthy fleet is left alone", async () => {
    await start(12, {});
    await run(10 * 60 * SECOND);
    expect([...sim.answers.keys()]).toEqual([200]);
    // 12 hosts, a report each per 20 s, for 10 minutes.
    expect(sim.answers.get(200)).toBeGreaterThanOrEqual(12 * 29);
    expect(judged().every((h) => h.healthy && h.status === 2)).toBe(true);
    expect(cloud.events).toEqual([]);
  });

  it("is refused, every report, when hosts send from another address than their own", async () => {
    await start(3, {}, false);
    await run(60 * SECOND);
    expect([...sim.answers.keys()]).toEqual([403]);
  });

  it("fails its share in each way, each judged as such, and the ladder heals or replaces them", async () => {
    await start(30, { failureShare: 1 / 3 });
    const plans = new Map([...sim.hosts].map(([id, host]) => [id, host.plan]));
    const failing = [...plans].filter(([, plan]) => plan.failure !== null);
    expect(failing).toHaveLength(10);
    // Every mode, and both kinds of reboot, are in the draw (the seed is fixed).
    expect(new Set(failing.map(([, p]) => p.failure))).toEqual(new Set(FAILURE_MODES));
    expect(new Set(failing.map(([, p]) => p.healsOnReboot))).toEqual(new Set([true, false]));

    await run(20 * 60 * SECOND);

    const events = t.service.store.allEvents();
    const actions = (id: string) =>
      events
        .filter((e) => e.instanceId === id && ["reboot", "replace"].includes(e.action))
        .map((e) => `${e.action}:${e.outcome}`);
    const recovered = (id: string) =>
      events.some((e) => e.instanceId === id && e.action === "recovered");
    for (const [id, plan] of failing) {
      const reboot = events.find((e) => e.instanceId === id && e.action === "reboot");
      // Judged for what it does: the first remediation names the mode's reason.
      expect({ id, reason: reboot?.reason }).toEqual({
        id,
        reason: EXPECTED_REASON[plan.failure as FailureMode],
      });
      // Rebooted first; replaced only when the reboot did not heal it.
      expect({ id, actions: actions(id) }).toEqual({
        id,
        actions: plan.healsOnReboot ? ["reboot:ok"] : ["reboot:ok", "replace:ok"],
      });
      if (plan.healsOnReboot)
        expect({ id, recovered: recovered(id) }).toEqual({ id, recovered: true });
    }
    // No healthy host was touched.
    const touched = new Set(cloud.events.map((e) => e.instanceId));
    for (const [id, plan] of plans) if (plan.failure === null) expect(touched.has(id)).toBe(false);
    // The replacements came up fresh, with new ids, and all hosts are healthy now.
    const replaced = failing.filter(([, p]) => !p.healsOnReboot).map(([id]) => id);
    const replacements = cloud.events.filter((e) => e.action === "replace");
    expect(replacements.map((e) => e.instanceId).sort()).toEqual(replaced.sort());
    expect(replacements.every((e) => e.replacement && !plans.has(e.replacement))).toBe(true);
    const now = judged();
    expect(now).toHaveLength(30);
    expect(now.filter((h) => !h.healthy || h.status !== 2)).toEqual([]);
  });

  it("lives on: hosts that ran well fail later at the set rate, and are remediated", async () => {
    await start(15, { failuresPerHour: 40 });
    await run(25 * 60 * SECOND);
    const reboots = t.service.store.allEvents().filter((e) => e.action === "reboot");
    // About 16 expected over 25 minutes at 40 an hour (at most one a tick); seeded.
    expect(reboots.length).toBeGreaterThanOrEqual(5);
    const later = ["heartbeat-timeout", "client-not-restarting", "client-failed"];
    expect(reboots.filter((e) => !later.includes(e.reason ?? ""))).toEqual([]);
    expect([...sim.answers.keys()]).toEqual([200]);
  });
});

describe("the simulated fleet's plans", () => {
  it("are the same for the same seed, and another seed deals them otherwise", () => {
    const settings = { failureShare: 0.3, rebootHealsShare: 0.5, onsetWindowMs: 100_000 };
    const draw = (seed: number) => planFleet(40, seededRandom(seed), settings);
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    expect(draw(3).filter((p) => p.failure !== null)).toHaveLength(12);
  });
});
