// Statuspage shows the fleet, not only numbers: one mapping from a cycle to a component
// status and an incident; the component set when it changes; an incident opened when
// the storm guard opens or the fleet is frozen, resolved when that clears, never twice
// (the open one is in the database, so a restart resolves it rather than duplicating).
// All against the local fake, which refuses what the real API refuses.
import pino from "pino";
import { openDatabase, type Db } from "../../src/adapters/storage/database";
import type { CycleSummary } from "../../src/domain/cycle";
import { fleetCondition } from "../../src/statuspage-push/fleet-condition";
import { IncidentStore } from "../../src/statuspage-push/incident-store";
import { RequestPacer } from "../../src/statuspage-push/pacer";
import { StatuspageStatusPusher } from "../../src/statuspage-push/status-pusher";
import {
  STATUSPAGE_API_KEY as API_KEY,
  STATUSPAGE_COMPONENT_ID as COMPONENT,
  STATUSPAGE_METRIC_IDS,
  STATUSPAGE_PAGE_ID as PAGE,
  startFakeStatuspage,
  statuspageEnv,
  type FakeStatuspage,
} from "../support/fake-statuspage";
import { MINUTE, T0, tempDir } from "../support/fixtures";
import { seedMixedFleet } from "../support/fleet";
import { startTestService, type TestService } from "../support/service";

type Figures = Parameters<typeof fleetCondition>[0];
const fleet = (over: Partial<Figures> = {}): Figures => ({
  total: 100,
  unhealthy: 0,
  maxUnhealthy: 40,
  stormGuardOpen: false,
  ...over,
});
const FREEZE = { by: "ops", reason: "bench run 7", startedAt: T0, endsAt: T0 + 60 * MINUTE };

describe("the fleet's status on Statuspage (one mapping)", () => {
  it.each([
    ["no host unhealthy", fleet(), "operational", null],
    ["a few under routine remediation", fleet({ unhealthy: 4 }), "operational", null],
    ["5% unhealthy", fleet({ unhealthy: 5 }), "degraded_performance", null],
    ["20% unhealthy", fleet({ unhealthy: 20 }), "partial_outage", null],
    ["no judged host", fleet({ total: 0 }), "operational", null],
    [
      "the storm guard open",
      fleet({ unhealthy: 41, stormGuardOpen: true }),
      "major_outage",
      "storm-guard",
    ],
    ["frozen", fleet({ frozen: FREEZE }), "under_maintenance", "frozen"],
    [
      "frozen with the storm guard open",
      fleet({ unhealthy: 41, stormGuardOpen: true, frozen: FREEZE }),
      "major_outage",
      "storm-guard",
    ],
  ] as const)("%s", (_what, figures, component, incident) => {
    const condition = fleetCondition(figures);
    expect(condition.component).toBe(component);
    expect(condition.incident?.kind ?? null).toBe(incident);
  });

  it("says until when a freeze holds, and not who froze it or why (the page may be public)", () => {
    const text = fleetCondition(fleet({ frozen: FREEZE })).incident;
    expect(text?.body).toContain(new Date(FREEZE.endsAt).toISOString());
    expect(text?.body).not.toContain("bench run 7");
    expect(text?.body).not.toContain("ops");
  });
});

describe("the fake Statuspage refuses what the real one refuses", () => {
  let fake: FakeStatuspage;
  beforeEach(async () => {
    fake = await startFakeStatuspage();
  });
  afterEach(() => fake.close());

  const call = (method: string, path: string, body: unknown, key: string | null = API_KEY) =>
    fetch(`${fake.url}/v1/pages/${PAGE}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        ...(key === null ? {} : { authorization: `OAuth ${key}` }),
      },
      body: JSON.stringify(body),
    }).then((r) => r.status);

  it("a missing or wrong API key (401)", async () => {
    const body = { component: { status: "operational" } };
    expect(await call("PATCH", `/components/${COMPONENT}`, body, null)).toBe(401);
    expect(await call("PATCH", `/components/${COMPONENT}`, body, "wrong")).toBe(401);
    expect(await call("PATCH", `/components/${COMPONENT}`, body)).toBe(200);
  });

  it("a status the API does not know (422), an unknown component or incident (404)", async () => {
    expect(await call("PATCH", `/components/${COMPONENT}`, { component: { status: "down" } })).toBe(
      422,
    );
    expect(await call("PATCH", "/components/nope", { component: { status: "operational" } })).toBe(
      404,
    );
    const incident = { name: "x", status: "investigating", component_ids: [COMPONENT] };
    expect(await call("POST", "/incidents", { incident: { ...incident, status: "open" } })).toBe(
      422,
    );
    expect(await call("POST", "/incidents", { incident: { ...incident, name: "" } })).toBe(422);
    expect(
      await call("POST", "/incidents", { incident: { ...incident, component_ids: ["nope"] } }),
    ).toBe(422);
    expect(
      await call("POST", "/incidents", { incident: { ...incident, components: { nope: "x" } } }),
    ).toBe(422);
    expect(await call("PATCH", "/incidents/nope", { incident: { status: "resolved" } })).toBe(404);
    expect(await call("POST", "/incidents", { incident })).toBe(201);
    expect(fake.components.get(COMPONENT)).toBe("operational");
  });
});

describe("the component and incident pusher", () => {
  let fake: FakeStatuspage;
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let pusher: StatuspageStatusPusher;

  const start = () =>
    new StatuspageStatusPusher({
      config: {
        url: fake.url,
        pageId: PAGE,
        apiKey: API_KEY,
        metricIds: STATUSPAGE_METRIC_IDS,
        componentId: COMPONENT,
      },
      incidents: new IncidentStore(db),
      // No pause between requests: the pacing is the metrics pusher's test.
      pacer: new RequestPacer(0),
      logger: pino({ level: "silent" }),
      now: () => T0,
    });
  const show = async (figures: Figures) => {
    pusher.show(fleetCondition(figures));
    await pusher.settled();
  };
  const requests = (method: string, path: string) =>
    fake.pushes.filter((p) => p.method === method && p.path === `/v1/pages/${PAGE}${path}`);
  const openIncidents = () => [...fake.incidents.values()].filter((i) => i.status !== "resolved");

  beforeEach(async () => {
    fake = await startFakeStatuspage();
    dir = tempDir();
    db = openDatabase(dir.path);
    pusher = start();
  });
  afterEach(async () => {
    pusher.close();
    db.close();
    dir.remove();
    await fake.close();
  });

  it("sets the component when its status changes, and only then", async () => {
    await show(fleet());
    await show(fleet({ unhealthy: 1 }));
    await show(fleet({ unhealthy: 25 }));
    await show(fleet({ unhealthy: 30 }));
    const patches = requests("PATCH", `/components/${COMPONENT}`);
    expect(patches.map((p) => p.body)).toEqual([
      { component: { status: "operational" } },
      { component: { status: "partial_outage" } },
    ]);
    expect(patches.every((p) => p.status === 200)).toBe(true);
    expect(patches[0]?.headers.authorization).toBe(`OAuth ${API_KEY}`);
    expect(fake.components.get(COMPONENT)).toBe("partial_outage");
  });

  it("opens one incident while the storm guard stays open, and resolves it when it closes", async () => {
    const storm = fleet({ unhealthy: 50, stormGuardOpen: true });
    await show(storm);
    await show(storm);
    await show(storm);
    const posts = requests("POST", "/incidents");
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toEqual({
      incident: {
        name: expect.stringContaining("storm guard open"),
        status: "investigating",
        body: expect.stringContaining("50 of 100 hosts are unhealthy"),
        component_ids: [COMPONENT],
        components: { [COMPONENT]: "major_outage" },
      },
    });
    expect(openIncidents()).toHaveLength(1);
    expect(fake.components.get(COMPONENT)).toBe("major_outage");
    const [opened] = openIncidents();

    await show(fleet());
    expect(requests("PATCH", `/incidents/${opened?.id}`).map((p) => p.body)).toEqual([
      { incident: { status: "resolved", components: { [COMPONENT]: "operational" } } },
    ]);
    expect(openIncidents()).toEqual([]);
    expect(fake.components.get(COMPONENT)).toBe("operational");
    expect(new IncidentStore(db).open()).toBeNull();
  });

  it("does not open a second incident after a restart: it resolves the one it opened", async () => {
    await show(fleet({ frozen: FREEZE }));
    expect(openIncidents()).toHaveLength(1);
    expect(openIncidents()[0]?.status).toBe("identified");
    expect(fake.components.get(COMPONENT)).toBe("under_maintenance");
    pusher.close();
    pusher = start(); // the same database: a restart
    await show(fleet({ frozen: FREEZE }));
    expect(requests("POST", "/incidents")).toHaveLength(1);
    await show(fleet());
    expect(openIncidents()).toEqual([]);
    expect(fake.components.get(COMPONENT)).toBe("operational");
  });

  it("resolves the freeze's incident and opens the storm guard's when one follows the other", async () => {
    await show(fleet({ frozen: FREEZE }));
    await show(fleet({ unhealthy: 50, stormGuardOpen: true }));
    const all = [...fake.incidents.values()];
    expect(all.map((i) => [i.name.split(":")[0], i.status])).toEqual([
      ["Fleet frozen", "resolved"],
      ["Fleet storm guard open", "investigating"],
    ]);
    expect(new IncidentStore(db).open()?.kind).toBe("storm-guard");
  });

  it("tries a failed incident again at the next cycle, still opening only one", async () => {
    const storm = fleet({ unhealthy: 50, stormGuardOpen: true });
    fake.mode = "fail";
    await show(storm);
    expect(fake.incidents.size).toBe(0);
    expect(new IncidentStore(db).open()).toBeNull();
    fake.mode = "ok";
    await show(storm);
    await show(storm);
    expect(openIncidents()).toHaveLength(1);
  });

  it("adopts the incident a POST opened whose answer was lost, rather than open a second", async () => {
    const storm = fleet({ unhealthy: 50, stormGuardOpen: true });
    fake.mode = "lost";
    await show(storm);
    // Statuspage opened it; the host-manager was told 504 and stored nothing.
    expect(openIncidents()).toHaveLength(1);
    expect(new IncidentStore(db).open()).toBeNull();
    fake.mode = "ok";
    await show(storm);
    await show(storm);
    expect(openIncidents()).toHaveLength(1);
    expect(requests("POST", "/incidents")).toHaveLength(1);
    expect(new IncidentStore(db).open()?.id).toBe(openIncidents()[0]?.id);
    // And it is the one resolved when the storm guard closes.
    await show(fleet());
    expect(openIncidents()).toHaveLength(0);
  });

  it("does not adopt an open incident of another name or component", async () => {
    fake.components.set("cmp0other", "operational");
    fake.incidents.set("inc-by-hand", {
      id: "inc-by-hand",
      name: "Fleet storm guard open: automatic remediation held",
      status: "investigating",
      body: "",
      componentIds: ["cmp0other"],
    });
    await show(fleet({ unhealthy: 50, stormGuardOpen: true }));
    expect(requests("POST", "/incidents")).toHaveLength(1);
    expect(new IncidentStore(db).open()?.id).not.toBe("inc-by-hand");
  });

  it("forgets an incident someone deleted by hand (404) instead of trying to resolve it forever", async () => {
    await show(fleet({ unhealthy: 50, stormGuardOpen: true }));
    fake.incidents.clear();
    await show(fleet());
    await show(fleet());
    expect(requests("PATCH", "/incidents/inc00000001")).toHaveLength(1);
    expect(new IncidentStore(db).open()).toBeNull();
    expect(fake.components.get(COMPONENT)).toBe("operational");
  });
});

describe("the service's component and incidents", () => {
  let fake: FakeStatuspage;
  let t: TestService | undefined;
  beforeEach(async () => {
    fake = await startFakeStatuspage();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await fake.close();
  });

  const lastCycle = () => t?.service.cycles.latest(1)[0] as CycleSummary;

  it("opens an incident when a cycle's storm guard opens, and counts the requests", async () => {
    t = await startTestService({
      env: {
        ...statuspageEnv(fake.url, { componentId: COMPONENT }),
        HOST_MANAGER_MAX_UNHEALTHY: "1",
      },
      service: { statuspage: { minIntervalMs: 0 } },
    });
    await seedMixedFleet(t);
    expect(lastCycle().stormGuardOpen).toBe(true);
    await t.service.statuspageStatus?.settled();
    expect(fake.components.get(COMPONENT)).toBe("major_outage");
    expect([...fake.incidents.values()].map((i) => i.status)).toEqual(["investigating"]);
    const metrics = await t.service.app.inject({
      method: "GET",
      url: "/metrics",
      headers: t.viewer,
    });
    // Two: the look for an open incident of the same name, then the one that opens it.
    expect(metrics.body).toMatch(
      /^host_manager_statuspage_requests_total\{request="incident",outcome="ok"\} 2$/m,
    );
  });

  it("shows a freeze as under maintenance, with its incident", async () => {
    t = await startTestService({
      env: statuspageEnv(fake.url, { componentId: COMPONENT }),
      service: { statuspage: { minIntervalMs: 0 } },
    });
    const until = new Date(T0 + 60 * MINUTE).toISOString();
    const frozen = await t.service.app.inject({
      method: "POST",
      url: "/api/v1/freeze",
      headers: t.operator,
      payload: { until, reason: "bench run 42" },
    });
    expect(frozen.statusCode).toBe(201);
    await t.service.healthCheck.run();
    await t.service.statuspageStatus?.settled();
    expect(fake.components.get(COMPONENT)).toBe("under_maintenance");
    const [incident] = [...fake.incidents.values()];
    expect(incident?.status).toBe("identified");
    expect(incident?.body).toContain(until);
  });

  it("sends no component or incident without a component id", async () => {
    t = await startTestService({
      env: statuspageEnv(fake.url),
      service: { statuspage: { minIntervalMs: 0 } },
    });
    expect(t.service.statuspageStatus).toBeUndefined();
    await t.service.healthCheck.run();
    await fake.waitFor(1);
    expect(fake.pushes.map((p) => p.path)).toEqual([`/v1/pages/${PAGE}/metrics/data`]);
  });
});
