// Issue 17: the status page's grid rendered a tile for every host (about 20 ms at 10,000
// hosts) on the event loop once per snapshot, the longest stall the hosts' reports met
// while operators polled. While the page is read, each background rebuild now makes the
// tiles with the rows, and the grid is a join of them. Over real HTTP, with a real store.
import { simInstanceId, simPrivateIp } from "../../../src/adapters/cloud/simulated";
import { renderGrid, tileHtml } from "../../../src/http/status-page/grid";
import { escapeHtml } from "../../../src/http/status-page/html";
import { report } from "../../support/fixtures";
import type { TestService } from "../../support/service";
import { startSnapshotService } from "../../support/snapshot-service";
import { gridOf } from "../../support/page-html";

const FLEET = 600;
const SATURATED = simInstanceId(9);

describe("status page grid from tiles made in the background", () => {
  let t: TestService;
  let url: string;
  let rebuilt: () => Promise<void>;
  let readOnly: (...paths: string[]) => Promise<void>;
  beforeEach(async () => {
    const started = await startSnapshotService(FLEET);
    ({ t, url, rebuilt, readOnly } = started);
    // Saturated by its load history, which the page reads apart from the rows.
    for (let i = 0; i < 3; i++) {
      await started.report(
        report(SATURATED, {
          cpuPercent: 99,
          memoryAvailablePercent: 5,
          privateIp: simPrivateIp(9),
        }),
      );
    }
  });
  afterEach(() => t.close());

  const page = async (query = "") => {
    const res = await fetch(`${url}/${query}`, { headers: t.viewer });
    expect(res.status).toBe(200);
    return res.text();
  };
  it("shows the grid it showed when rendered on demand, the saturated host's tile too", async () => {
    await rebuilt();
    // Nobody read the page from this snapshot's predecessor: its grid is made on demand.
    expect(t.service.snapshot.current().tiles()).toBeUndefined();
    const onDemand = gridOf(await page());
    await rebuilt();
    expect(t.service.snapshot.current().tiles()?.size).toBe(FLEET);
    const fromTiles = gridOf(await page());
    expect(fromTiles).toBeDefined();
    expect(fromTiles).toBe(onDemand);
    expect(fromTiles?.match(/<a class="t /g)).toHaveLength(FLEET);
    expect(fromTiles).toContain(`href="/host?id=${SATURATED}" title="${SATURATED} · `);
    expect(fromTiles).toMatch(new RegExp(`<a class="t s-\\w+ sat" href="/host\\?id=${SATURATED}"`));
    // By generation as well: the same tiles, grouped otherwise.
    expect(gridOf(await page("?group=generation"))).toMatch(/data-grouping="generation"/);
  });

  it("makes each row's tile as the grid would make it", async () => {
    await page();
    await rebuilt();
    const view = t.service.snapshot.current();
    const tiles = view.tiles();
    const unprepared = (rows: typeof view.fleet.rows) =>
      renderGrid(
        rows,
        "zone",
        escapeHtml,
        () => "",
        () => "",
      ).toString();
    expect(
      renderGrid(
        view.fleet.rows,
        "zone",
        escapeHtml,
        () => "",
        () => "",
        tiles,
      ).toString(),
    ).toBe(unprepared(view.fleet.rows));
    for (const row of view.fleet.rows) expect(tiles?.get(row)).toBe(tileHtml(row));
    // The grid takes a prepared tile as it is, rather than making it again.
    const [first] = view.fleet.rows;
    const marked = new Map([[first, '<a class="t prepared"></a>']]);
    const grid = renderGrid(
      view.fleet.rows,
      "zone",
      escapeHtml,
      () => "",
      () => "",
      marked,
    );
    expect(grid.toString()).toContain('<a class="t prepared"></a>');
    expect(grid.toString()).not.toContain(tileHtml(first));
  });

  it("keeps making tiles for a reader slower than the snapshot's age, then stops", async () => {
    await page();
    // Three rebuilds, 18 s, without a read: a page refreshed every 30 s still finds them.
    for (let i = 0; i < 3; i++) {
      await rebuilt();
      expect(t.service.snapshot.current().tiles()?.size).toBe(FLEET);
    }
    // Only the host list and a scrape are read from here on.
    await readOnly("/api/v1/hosts?limit=10", "/metrics");
    await rebuilt();
    expect(t.service.snapshot.current().tiles()).toBeUndefined();
  });
});
