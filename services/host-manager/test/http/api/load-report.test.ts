// The spot notice and the load figures over real HTTP: a figure that does not fit (too
// large, negative, the wrong type) is stored as null and counted, never refused; the
// host view carries spot, saturated and load; the per-host history stays bounded; and
// /metrics serves the saturated and reclaiming hosts.
import { LOAD_HISTORY_LENGTH } from "../../../src/domain/load";
import { report } from "../../support/fixtures";
import { eachListening } from "../../support/service";
import { tableRows } from "../../support/page-html";

const service = eachListening();
const post = service.postReport;
const ID = "i-sim-0001";
const GOOD = {
  cpuPercent: 42.5,
  memoryAvailablePercent: 61,
  clientCpuPercent: 30,
  clientWorkingSetBytes: 1_073_741_824,
};

async function hostInApi(instanceId: string) {
  // The list is served from the fleet snapshot: a new one is built after a cycle.
  await service.t.service.healthCheck.run();
  const res = await fetch(`${service.url}/api/v1/hosts?limit=500`, { headers: service.t.viewer });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { hosts: Record<string, unknown>[] };
  return body.hosts.find((h) => h.instanceId === instanceId);
}

async function metricsText(): Promise<string> {
  return (await fetch(`${service.url}/metrics`, { headers: service.t.viewer })).text();
}

describe("a report with load figures", () => {
  it("is shown on the host's view, with no notice and not saturated", async () => {
    expect((await post(report(ID, GOOD))).status).toBe(200);
    const view = await hostInApi(ID);
    expect(view).toMatchObject({ spot: null, saturated: false, load: GOOD });
  });

  it.each([
    ["an oversized CPU figure", { cpuPercent: 1e12 }, "cpuPercent"],
    ["a negative available memory", { memoryAvailablePercent: -5 }, "memoryAvailablePercent"],
    ["a client CPU as a string", { clientCpuPercent: "90%" }, "clientCpuPercent"],
    ["an oversized working set", { clientWorkingSetBytes: 2 ** 60 }, "clientWorkingSetBytes"],
    ["a garbled notice", { spotTerminationTime: "<html>" }, "spotTerminationTime"],
  ])("is accepted with %s, which is stored as null and counted", async (_name, bad, field) => {
    const res = await post(report(ID, { ...GOOD, ...bad }));
    expect(res.status).toBe(200);
    const stored = service.t.service.store.get(ID);
    const column = field === "spotTerminationTime" ? "spotTerminationAt" : field;
    expect(stored?.[column as keyof typeof stored]).toBeNull();
    expect(await metricsText()).toContain(
      `host_manager_report_fields_dropped_total{field="${field}"} 1`,
    );
  });

  it("keeps at most LOAD_HISTORY_LENGTH samples per host", async () => {
    for (let i = 0; i < LOAD_HISTORY_LENGTH + 15; i++) {
      service.t.clock.advanceMinutes(1);
      expect((await post(report(ID, { ...GOOD, cpuPercent: i }))).status).toBe(200);
    }
    const load = service.t.service.store.load;
    expect(load.size(ID)).toBe(LOAD_HISTORY_LENGTH);
    const newest = load.recent([ID], 100).get(ID) ?? [];
    expect(newest).toHaveLength(LOAD_HISTORY_LENGTH);
    expect(newest[0].cpuPercent).toBe(LOAD_HISTORY_LENGTH + 14);
    // A report without figures adds nothing, and the host's latest load is then none.
    expect((await post(report(ID))).status).toBe(200);
    expect(load.size(ID)).toBe(LOAD_HISTORY_LENGTH);
    expect((await hostInApi(ID))?.load).toBeNull();
  });
});

describe("the status page", () => {
  it("rings a saturated host's tile and lists it under the saturated filter", async () => {
    for (let i = 0; i < 3; i++) {
      service.t.clock.advanceMinutes(1);
      await post(report(ID, { ...GOOD, cpuPercent: 99 }));
    }
    await post(report("i-sim-0002", GOOD));
    await service.t.service.healthCheck.run();
    const res = await fetch(`${service.url}/?state=saturated`, { headers: service.t.viewer });
    const page = await res.text();
    const rows = tableRows(page);
    expect(rows).toEqual([ID]);
    expect(page).toMatch(new RegExp(`class="t s-[a-z-]+ sat" href="[^"]*${ID}`));
  });
});

describe("/metrics", () => {
  it("serves the saturated and reclaiming hosts, and the reclaims counter from zero", async () => {
    let text = await metricsText();
    expect(text).toContain("host_manager_hosts_saturated 0");
    expect(text).toContain("host_manager_hosts_spot_reclaiming 0");
    expect(text).toContain("host_manager_spot_reclaims_total 0");
    for (let i = 0; i < 3; i++) {
      service.t.clock.advanceMinutes(1);
      await post(report(ID, { ...GOOD, cpuPercent: 99 }));
    }
    const spotHost = service.t.service.store.get("i-sim-0002");
    const notice = {
      privateIp: spotHost?.cloudPrivateIp,
      spotTerminationTime: "2026-01-01T12:30:00Z",
    };
    expect((await post(report("i-sim-0002", notice))).status).toBe(200);
    text = await metricsText();
    expect(text).toContain("host_manager_hosts_saturated 1");
    expect(text).toContain("host_manager_hosts_spot_reclaiming 1");
    expect(await hostInApi("i-sim-0002")).toMatchObject({ spot: "reclaiming" });
    // The cycle record counts it apart from failures, as the API shows it.
    const res = await fetch(`${service.url}/api/v1/health-check?limit=1`, {
      headers: service.t.viewer,
    });
    const body = (await res.json()) as {
      cycles: { spot?: unknown; failed: number }[];
      settings: { saturation?: unknown };
    };
    expect(body.cycles[0]).toMatchObject({ spot: { reclaiming: 1, reclaimed: 0 }, failed: 0 });
    expect(body.settings.saturation).toEqual({
      cpuPercent: 90,
      memoryAvailablePercent: 10,
      reports: 3,
    });
  });
});
