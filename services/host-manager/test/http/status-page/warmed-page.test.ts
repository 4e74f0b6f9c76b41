// Issue 17: the first read of each new snapshot rendered the status page's fleet-sized
// parts (the table's sorted rows, the grid of every host, the filters' facets) on the
// event loop, the longest stall left for the reports when operators poll. While the page
// is read, the background rebuild now makes the plain page's parts, a turn each, before
// it serves the snapshot. Over real HTTP, with a real store.
import { PREPARED_FOR_MS } from "../../../src/http/fleet-snapshot";
import * as grid from "../../../src/http/status-page/grid";
import * as model from "../../../src/http/status-page/model";
import type { TestService } from "../../support/service";
import { startSnapshotService, type SnapshotService } from "../../support/snapshot-service";
import { gridOf, tableRows } from "../../support/page-html";

const FLEET = 300;

describe("status page parts made by the snapshot's rebuild", () => {
  let started: SnapshotService;
  let t: TestService;
  beforeEach(async () => {
    started = await startSnapshotService(FLEET);
    t = started.t;
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await t.close();
  });

  const page = async (query = "") => {
    const res = await fetch(`${started.url}/${query}`, { headers: t.viewer });
    expect(res.status).toBe(200);
    return res.text();
  };
  const spies = () => ({
    grids: jest.spyOn(grid, "renderGrid"),
    sorts: jest.spyOn(model, "sortedRows"),
  });

  it("serves the plain page of a new snapshot without sorting the fleet or making its grid", async () => {
    await started.rebuilt();
    const onDemand = await page();
    await started.rebuilt();
    const { grids, sorts } = spies();
    const warmed = await page();
    expect(grids).not.toHaveBeenCalled();
    expect(sorts).not.toHaveBeenCalled();
    // What it shows is what the page made on demand showed.
    expect(gridOf(warmed)).toBeDefined();
    expect(gridOf(warmed)).toBe(gridOf(onDemand));
    expect(tableRows(warmed)).toEqual(tableRows(onDemand));
    expect(tableRows(warmed).length).toBeGreaterThan(0);
    // Another query's parts are still made when asked for.
    await page("?group=generation&sort=instance");
    expect(grids).toHaveBeenCalledTimes(1);
    expect(sorts).toHaveBeenCalledTimes(1);
  });

  it("makes nothing for a page nobody reads", async () => {
    await page();
    await started.readOnly("/api/v1/hosts?limit=10");
    const { grids, sorts } = spies();
    await started.rebuilt();
    expect(grids).not.toHaveBeenCalled();
    expect(sorts).not.toHaveBeenCalled();
  });

  it("stops making them once the page is not read, though other reads go on", async () => {
    await page();
    // Scrapes every minute start rebuilds: what those rebuilds make for the page must
    // not count as reading it, or one read of the page would keep them making it.
    for (let elapsed = 0; elapsed <= PREPARED_FOR_MS; elapsed += 60_000) {
      t.clock.advanceMs(60_000);
      const scrape = await fetch(`${started.url}/metrics`, { headers: t.viewer });
      expect(scrape.status).toBe(200);
      await t.service.snapshot.settled();
    }
    const { grids } = spies();
    await started.rebuilt();
    expect(grids).not.toHaveBeenCalled();
    expect(t.service.snapshot.current().tiles()).toBeUndefined();
  });
});
