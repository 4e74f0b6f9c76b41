// Issue 17: the status page read and judged every host and rendered the whole fleet
// (5 MB at 10,000 hosts) for every request, and so did each scrape's host gauge. Over
// real HTTP: pages and scrapes are served from one snapshot, the table is paged, and a
// cycle makes the next read build a new snapshot.
import { SimulatedCloud, simInstanceId, simPrivateIp } from "../../../src/adapters/cloud/simulated";
import { report } from "../../support/fixtures";
import { startTestService, type TestService } from "../../support/service";
import { tableRows } from "../../support/page-html";

const FLEET = 2_000;

describe("status page and host gauge under polling", () => {
  let t: TestService;
  let url: string;
  beforeEach(async () => {
    t = await startTestService({
      cloud: (clock) => new SimulatedCloud(FLEET, clock),
      service: { snapshotMaxAgeMs: 5_000 },
    });
    url = await t.listen();
  });
  afterEach(() => t.close());

  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: t.viewer });
    return { status: res.status, body: await res.text() };
  };

  it("serves many concurrent pages and scrapes from the snapshot built at start, paged", async () => {
    const listActive = jest.spyOn(t.service.store, "listActive");
    const page = jest.spyOn(t.service.store, "page");
    const pages = await Promise.all([
      ...Array.from({ length: 12 }, () => get("/?size=500")),
      ...Array.from({ length: 4 }, () => get("/metrics")),
      get("/?sort=instance&size=500&page=4"),
    ]);
    expect(pages.every((p) => p.status === 200)).toBe(true);
    // Built once, when the service started listening; not once per request.
    expect(listActive).not.toHaveBeenCalled();
    expect(page).not.toHaveBeenCalled();
    page.mockRestore();
    const first = pages[0].body;
    expect(tableRows(first)).toHaveLength(500);
    // Under 1 MB at 2,000 hosts: 500 rows at most, and a small tile per host.
    expect(Buffer.byteLength(first)).toBeLessThan(1_000_000);
    expect(first).toMatch(/rows 1–500 of 2000, page 1 of 4/);
    expect(first).toMatch(/<a rel="next" href="\/\?size=500&amp;page=2">/);
    const fourth = tableRows(pages[pages.length - 1].body);
    expect(fourth[0]).toBe("i-sim-1501");
    expect(fourth).toHaveLength(500);
    expect(pages[12].body).toContain(`host_manager_hosts{state="starting"} ${FLEET}`);
    listActive.mockRestore();
  });

  const asOf = (body: string) => /as of ([^,<]+UTC)/.exec(body)?.[1];

  it("is rebuilt in the background once older than its age, or after a cycle", async () => {
    const first = asOf((await get("/")).body);
    expect(asOf((await get("/")).body)).toBe(first);
    t.clock.advanceMinutes(0.1);
    const listActive = jest.spyOn(t.service.store, "listActive");
    // The stale snapshot is served while the new one is read a page at a time.
    expect(asOf((await get("/")).body)).toBe(first);
    await t.service.snapshot.settled();
    const second = asOf((await get("/")).body);
    expect(second).not.toBe(first);
    expect(listActive).not.toHaveBeenCalled();
    t.clock.advanceMinutes(0.02);
    await t.service.healthCheck.run();
    await get("/");
    await t.service.snapshot.settled();
    expect(asOf((await get("/")).body)).not.toBe(second);
    listActive.mockRestore();
  });

  it("serves a page of the host list as built for the snapshot's life", async () => {
    const page = jest.spyOn(t.service.store, "page");
    const history = jest.spyOn(t.service.store, "recentEvents");
    const bodies = await Promise.all(
      Array.from({ length: 8 }, () => get("/api/v1/hosts?limit=500")),
    );
    expect(new Set(bodies.map((b) => b.body)).size).toBe(1);
    expect(JSON.parse(bodies[0].body).hosts).toHaveLength(500);
    // Built once, from the snapshot's records: no query for the hosts, one for their history.
    expect(page).not.toHaveBeenCalled();
    expect(history).toHaveBeenCalledTimes(1);
    page.mockRestore();
    history.mockRestore();
  });

  it("serves the saturated hosts' gauge from the snapshot: no load query per scrape", async () => {
    for (let round = 0; round < 3; round++) {
      const sent = await fetch(`${url}/rpc/v1/status`, {
        method: "POST",
        headers: { ...t.auth, "content-type": "application/json" },
        body: JSON.stringify(
          report(simInstanceId(5), {
            privateIp: simPrivateIp(5),
            cpuPercent: 99,
            memoryAvailablePercent: 50,
          }),
        ),
      });
      expect(sent.status).toBe(200);
    }
    t.clock.advanceMinutes(0.1);
    t.service.snapshot.current();
    await t.service.snapshot.settled();
    const load = jest.spyOn(t.service.store.load, "recent");
    const scrapes = await Promise.all(Array.from({ length: 4 }, () => get("/metrics")));
    for (const scrape of scrapes) expect(scrape.body).toContain("host_manager_hosts_saturated 1");
    expect(load).not.toHaveBeenCalled();
    load.mockRestore();
  });
});
