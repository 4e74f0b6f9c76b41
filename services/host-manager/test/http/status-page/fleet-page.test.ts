// Issue 14 item 5, over HTTP: the fleet grid (a tile per host, grouped by zone or
// generation), the table's filters and pages, the rollout bar, the chart's window, the
// replaced hosts and their own pages, the last cycle's failed slots and replacement budget.
import { SimulatedCloud, simInstanceId } from "../../../src/adapters/cloud/simulated";
import { MINUTE, quietCycle } from "../../support/fixtures";
import { reportHosts } from "../../support/fleet";
import { startTestService, type TestService } from "../../support/service";

const rowsOf = (page: string) =>
  [...page.matchAll(/<tr data-instance="([^"]+)" data-state="([^"]+)"/g)].map((m) => ({
    id: m[1] as string,
    state: m[2] as string,
  }));
const tilesOf = (page: string) => [...page.matchAll(/<a class="t s-([a-z-]+)/g)].map((m) => m[1]);
const groupsOf = (page: string) =>
  [...page.matchAll(/<details class="group" open data-group="([^"]*)"/g)].map((m) => m[1]);

const CYCLE = quietCycle(12);

describe("status page for a large fleet", () => {
  let t: TestService;
  beforeEach(async () => {
    // 8 hosts of generation g1, then 4 launched as g2.
    t = await startTestService({
      cloud: (clock) => {
        const cloud = new SimulatedCloud(8, clock, {
          initialGeneration: "g1",
          launchGeneration: "g2",
        });
        return cloud;
      },
    });
    const cloud = t.cloud as SimulatedCloud;
    for (let n = 1; n <= 4; n++) await cloud.replaceInstance(simInstanceId(n), "remove");
    await t.service.inventory.refresh();
  });
  afterEach(() => t.close());

  const get = (url: string, headers: Record<string, string> = t.viewer) =>
    t.service.app.inject({ method: "GET", url, headers });

  it("draws one tile per active host, grouped by zone or by generation", async () => {
    await reportHosts(
      t,
      [5, 6, 7, 8, 9, 10, 11, 12].map((n) => ({ n, status: 2 })),
    );
    const page = (await get("/")).body;
    expect(page).toContain('<section id="grid" data-tiles="8">');
    const tiles = tilesOf(page);
    expect(tiles).toHaveLength(8);
    expect(tiles.every((state) => state === "running")).toBe(true);
    // The simulated group spreads its instances over two zones, as the listing says.
    expect(groupsOf(page)).toEqual(["sim-zone-a", "sim-zone-b"]);
    expect(page).not.toContain("zone unknown");
    expect(tilesOf((await get("/?zone=sim-zone-a")).body)).toHaveLength(8);
    expect(rowsOf((await get("/?zone=sim-zone-a")).body)).toHaveLength(4);
    const byGeneration = (await get("/?group=generation")).body;
    expect(groupsOf(byGeneration)).toEqual(["g1", "g2"]);
    expect(byGeneration).toContain('<b data-grouping="generation">');
    // Each tile links to its host's page, and carries what it is in its title.
    expect(page).toMatch(
      new RegExp(
        `<a class="t s-running" href="/host\\?id=${simInstanceId(5)}" title="${simInstanceId(5)} · hpc-0005 · running`,
      ),
    );
  });

  it("filters by state, generation and text, and keeps the filter in the pager", async () => {
    await reportHosts(
      t,
      [5, 6, 9, 10].map((n) => ({ n, status: 2 })),
    );
    const ids = async (url: string) => rowsOf((await get(url)).body).map((r) => r.id);
    expect(await ids("/?gen=g2&sort=instance")).toEqual([9, 10, 11, 12].map(simInstanceId));
    expect(await ids("/?state=running&gen=g1&sort=instance")).toEqual([5, 6].map(simInstanceId));
    expect(await ids("/?q=HPC-0010")).toEqual([simInstanceId(10)]);
    expect(await ids("/?q=sim-0012")).toEqual([simInstanceId(12)]);
    expect(await ids("/?gen=nope")).toEqual([]);
    const paged = (await get("/?gen=g2&sort=instance&size=50")).body;
    expect(paged).toMatch(
      /<select name="gen">[\s\S]*<option value="g2"\s*selected\s*>g2<\/option>/,
    );
  });

  it("pages the table with bounded pages, first to last", async () => {
    await t.close();
    t = await startTestService({ cloud: (clock) => new SimulatedCloud(120, clock) });
    const first = (await get("/?sort=instance&size=50")).body;
    expect(rowsOf(first)).toHaveLength(50);
    expect(first).toMatch(/rows 1–50 of 120, page 1 of 3/);
    expect(first).toContain('<a rel="next" href="/?sort=instance&amp;size=50&amp;page=2">');
    const last = rowsOf((await get("/?sort=instance&size=50&page=3")).body);
    expect(last.map((r) => r.id)).toEqual(
      Array.from({ length: 20 }, (_, i) => simInstanceId(101 + i)),
    );
    // The default page is 100 rows; a page size not offered falls back to it.
    expect(rowsOf((await get("/")).body)).toHaveLength(100);
    expect(rowsOf((await get("/?size=100000")).body)).toHaveLength(100);
    // Past the end: the last page.
    expect(rowsOf((await get("/?sort=instance&size=50&page=99")).body)).toHaveLength(20);
  });

  it("lists replaced hosts newest first, and each host's page keeps its history", async () => {
    t.service.store.addEvent({
      instanceId: simInstanceId(2),
      at: t.clock.now() - MINUTE,
      action: "replace",
      outcome: "ok",
      reason: "heartbeat-timeout",
      detail: null,
    });
    const page = (await get("/?state=replaced&sort=instance")).body;
    expect(page).toMatch(/data-state="replaced"[^>]*><b data-count>4<\/b>/);
    expect(rowsOf(page).map((r) => r.state)).toEqual(Array(4).fill("replaced"));
    expect(
      rowsOf(page)
        .map((r) => r.id)
        .sort(),
    ).toEqual([1, 2, 3, 4].map(simInstanceId));
    expect(rowsOf((await get("/?state=replaced&q=0003")).body).map((r) => r.id)).toEqual([
      simInstanceId(3),
    ]);
    expect(rowsOf((await get("/?state=replaced&gen=g2")).body)).toEqual([]);
    // Not in the grid: it shows the hosts in the group.
    expect(tilesOf(page)).toHaveLength(8);

    const host = await get(`/host?id=${simInstanceId(2)}`);
    expect(host.statusCode).toBe(200);
    expect(host.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(host.body).toContain('data-host-state="replaced"');
    expect(host.body).toMatch(/<tr class="" data-event="replace">[\s\S]*heartbeat-timeout/);
    expect((await get(`/host?id=i-nope`)).statusCode).toBe(404);
    expect((await get(`/host`)).body).toContain('<form method="get" action="/host"');

    // The slot's chain: host 2 handed its slot on to host 10, each page links the other.
    t.service.store.slots.handOff(simInstanceId(2), "ladder", false, t.clock.now());
    t.service.store.slots.assign([simInstanceId(10)]);
    expect((await get(`/host?id=${simInstanceId(2)}`)).body).toMatch(
      new RegExp(`data-successor="${simInstanceId(10)}">[\\s\\S]*replaced \\(ladder\\) by`),
    );
    expect((await get(`/host?id=${simInstanceId(10)}`)).body).toContain(
      `data-predecessor="${simInstanceId(2)}"`,
    );
    expect((await get(`/host?id=${simInstanceId(2)}`, {})).statusCode).toBe(303);
  });

  it("shows the rollout as a bar, and the last cycle's failed slots and replacement budget", async () => {
    const now = t.clock.now();
    t.service.cycles.add({
      ...CYCLE,
      startedAt: now,
      finishedAt: now,
      outdated: 3,
      rollout: {
        generation: "g2",
        minHealthyPercentage: 75,
        healthy: 9,
        minHealthy: 9,
        inFlight: 2,
        budget: 0,
      },
      replacements: { budget: 5, used: 5, held: 2, windowMs: 60 * MINUTE },
      failedSlots: [
        {
          instanceId: simInstanceId(7),
          slot: "slot-7",
          failedAt: now,
          reason: "3 replacements never came up",
        },
      ],
    });
    const page = (await get("/")).body;
    expect(page).toContain('<section id="rollout" data-rollout="rolling">');
    expect(page).toMatch(/<b data-done>9<\/b> done/);
    expect(page).toMatch(/<b data-rolling>2<\/b> rolling/);
    expect(page).toMatch(/<b data-outdated>3<\/b> outdated/);
    expect(page).toMatch(/<b data-min-healthy>9<\/b> kept/);
    // 9 of 14 hosts: the floor's mark at 64.29%.
    expect(page).toContain('style="left:64.29%"');
    expect(page).toMatch(
      /data-replacements-used>5<\/b> of\s*<b data-replacements-budget>5<\/b> in 60\s+min/,
    );
    expect(page).toContain("2 held back");
    expect(page).toMatch(/data-failed-slot="slot-7"[\s\S]*3 replacements never came up/);
  });

  it("draws the chart over the window asked for, cut to where the data starts", async () => {
    const now = t.clock.now();
    for (let minutes = -20; minutes <= 0; minutes += 5) {
      t.service.cycles.add({
        ...CYCLE,
        startedAt: now + minutes * MINUTE,
        finishedAt: now + minutes * MINUTE,
      });
    }
    const span = (page: string) => {
      const m = /data-from="(\d+)"\s+data-to="(\d+)"/.exec(page);
      return m ? (Number(m[2]) - Number(m[1])) / MINUTE : undefined;
    };
    const plain = (await get("/")).body;
    expect(plain).toContain('<b data-window="1h">1h</b>');
    // Twenty minutes of data in a one-hour window: twenty minutes drawn, not a sliver.
    expect(span(plain)).toBe(20);
    expect(span((await get("/?window=7d")).body)).toBe(20);
    // A cycle from three days ago: the week's window reaches back to it, an hour does not.
    const old = now - 3 * 1440 * MINUTE;
    t.service.cycles.add({ ...CYCLE, startedAt: old, finishedAt: old });
    expect(span((await get("/?window=7d")).body)).toBe(3 * 1440);
    expect(span((await get("/?window=24h")).body)).toBe(20);
    expect(span((await get("/?window=6h")).body)).toBe(20);
    expect(span((await get("/?window=bogus")).body)).toBe(20);
  });
});
