// The page's model without HTTP: the marks read off the host (absent ones are no marks), the filters, the chart's span and thinning, and the grid's escaping.
import { simInstanceId, simPrivateIp } from "../../../src/adapters/cloud/simulated";
import { DEFAULT_SATURATION } from "../../../src/domain/load";
import { ArchivedHosts } from "../../../src/adapters/storage/archived-hosts";
import { CHART_POINTS, chartSpan, downsample } from "../../../src/http/status-page/chart";
import { renderGrid } from "../../../src/http/status-page/grid";
import { escapeHtml } from "../../../src/http/status-page/html";
import {
  hostMarks,
  hostRow,
  pageQuerySchema,
  rowMatches,
  type HostRow,
} from "../../../src/http/status-page/model";
import type { CycleCounts } from "../../../src/domain/cycle";
import { buildStatusPage } from "../../../src/http/status-page/page";
import { contextAt, host, MINUTE, report, T0 } from "../../support/fixtures";
import { startTestService, type TestService } from "../../support/service";
import { tableRows } from "../../support/page-html";

const counts = (finishedAt: number, unhealthy = 0): CycleCounts => ({
  finishedAt,
  total: 10,
  healthy: 10 - unhealthy,
  unhealthy,
  remediating: 0,
  failed: 0,
  outdated: 0,
});

describe("status page model", () => {
  it("reads spot, saturation and zone off the host, and nothing when they are absent", () => {
    expect(hostMarks({})).toEqual({ spot: null, saturated: false, zone: null });
    expect(hostMarks({ spot: "reclaiming", saturated: true, zone: "cn-x-a" })).toEqual({
      spot: "reclaiming",
      saturated: true,
      zone: "cn-x-a",
    });
    expect(
      hostMarks({ spot: { state: "reclaimed", at: "…" }, saturated: { flagged: true } }),
    ).toMatchObject({
      spot: "reclaimed",
      saturated: true,
    });
    expect(hostMarks({ spot: "on-demand", saturated: "yes", zoneId: "" })).toEqual({
      spot: null,
      saturated: false,
      zone: null,
    });
    // A host record with the marks (as the spot and saturation work adds them) carries them.
    const marked = { ...host(), spot: "reclaiming", saturated: true } as ReturnType<typeof host>;
    expect(hostRow(marked, contextAt(T0))).toMatchObject({ spot: "reclaiming", saturated: true });
    expect(hostRow(host(), contextAt(T0))).toMatchObject({ spot: null, saturated: false });
    // The spot notice as the spot work records it: a time, reclaiming until archived.
    const noticed = { ...host(), spotTerminationAt: T0 } as ReturnType<typeof host>;
    expect(hostRow(noticed, contextAt(T0)).spot).toBe("reclaiming");
    expect(hostRow({ ...noticed, archivedAt: T0 }, contextAt(T0)).spot).toBe("reclaimed");
    expect(hostMarks({ spotTerminationAt: null }).spot).toBeNull();
  });

  it("filters on marks, zone, generation and text", () => {
    const row = {
      ...hostRow(host({ generation: "g1", hostname: "HPC-0042" }), contextAt(T0)),
      saturated: true,
    } as HostRow;
    const query = (q: Record<string, string>) => pageQuerySchema.parse(q);
    expect(rowMatches(row, query({ state: "saturated" }))).toBe(true);
    expect(rowMatches(row, query({ state: "reclaiming" }))).toBe(false);
    expect(rowMatches(row, query({ gen: "g1", q: "hpc-00" }))).toBe(true);
    expect(rowMatches(row, query({ gen: "-" }))).toBe(false);
    expect(rowMatches(row, query({ zone: "-" }))).toBe(true);
    expect(rowMatches(row, query({ zone: "cn-x-a" }))).toBe(false);
    expect(rowMatches(row, query({ q: "nothing" }))).toBe(false);
  });

  it("draws the chart from where its data starts, at least ten minutes, thinned to its width", () => {
    const now = T0;
    expect(chartSpan([counts(now - 3 * MINUTE)], now, 1)).toEqual({
      from: now - 10 * MINUTE,
      to: now,
    });
    expect(chartSpan([counts(now - 30 * MINUTE)], now, 1).from).toBe(now - 30 * MINUTE);
    expect(chartSpan([counts(now - 300 * MINUTE)], now, 1).from).toBe(now - 60 * MINUTE);
    expect(chartSpan([], now, 6).from).toBe(now - 10 * MINUTE);
    // A week of minute cycles, one of them bad: thinned, the bad one kept.
    const week = Array.from({ length: 7 * 1440 }, (_, i) =>
      counts(now - (7 * 1440 - i) * MINUTE, i === 5000 ? 7 : 0),
    );
    const drawn = downsample(week, now - 7 * 1440 * MINUTE, now);
    expect(drawn.length).toBeLessThanOrEqual(CHART_POINTS);
    expect(drawn.length).toBeGreaterThan(CHART_POINTS - 5);
    expect(drawn.some((c) => c.unhealthy === 7)).toBe(true);
  });

  it("escapes what a host sent in a tile's title", () => {
    const row = hostRow(host({ hostname: `"><script>x</script>` }), contextAt(T0));
    const grid = renderGrid(
      [row],
      "zone",
      escapeHtml,
      () => "/",
      () => "/",
    ).value;
    expect(grid).not.toContain("<script>");
    expect(grid).toContain("&quot;&gt;&lt;script&gt;");
  });
});

describe("status page built from a snapshot", () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(() => t.close());

  const build = () =>
    buildStatusPage(
      {
        hosts: t.service.store,
        archived: new ArchivedHosts(t.service.db),
        cycles: t.service.cycles,
        audit: t.service.audit,
        healthCheck: { schedule: "0 */5 * * * *", dryRun: false, nextRunAt: () => null },
      },
      t.service.snapshot.current(),
      pageQuerySchema.parse({ state: "saturated" }),
      { cookieSession: false, canAct: false, holds: undefined },
    );

  it("flags the hosts their load history says are saturated, which their records cannot", () => {
    // No host has reported load: none is saturated (the records carry no flag).
    expect(build()).toMatch(/data-state="saturated"[^>]*><b data-count>0<\/b>/);
    const flagged = [simInstanceId(3), simInstanceId(7)];
    for (let round = 0; round < DEFAULT_SATURATION.reports; round++) {
      t.service.store.applyReports(
        [1, 3, 7].map((n) =>
          report(simInstanceId(n), {
            privateIp: simPrivateIp(n),
            cpuPercent: n === 1 ? 20 : 99,
            memoryAvailablePercent: 50,
          }),
        ) as never,
        T0 + round * MINUTE,
      );
    }
    const page = build();
    expect(tableRows(page)).toEqual(flagged);
    expect(page).toMatch(/data-state="saturated"[^>]*><b data-count>2<\/b>/);
    expect(page.match(/<a class="t [^"]* sat"/g)).toHaveLength(2);
    expect(t.service.snapshot.current().fleet.saturated).toBe(2);
  });
});
