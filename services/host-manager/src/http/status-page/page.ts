// The status page built from a fleet snapshot: the parts each view derives once per
// snapshot (the sorted rows, the grid, the chart, the facets) kept in the snapshot's
// memo, the table's page and its history read for this query. Used by the route, and
// by the bench (bench/status-page.ts) that holds its cost against the host list's.
import type { ArchivedHosts } from "../../adapters/storage/archived-hosts";
import type { AuditStore } from "../../adapters/storage/audit";
import type { JobRecord } from "../../adapters/storage/jobs";
import type { CycleStore } from "../../adapters/storage/cycles";
import type { FleetView } from "../fleet-snapshot";
import type { HealthCheckFacts } from "../health-check-facts";
import type { HoldsView } from "../holds-view";
import { renderChart } from "./chart";
import { renderGrid } from "./grid";
import { renderJobsSection } from "./jobs-section";
import { escapeHtml } from "./html";
import {
  archivedTable,
  CHART_WINDOWS,
  hostTable,
  pageQuerySchema,
  sortedRows,
  type EXTRA_FILTERS,
  type HistorySource,
  type HostRow,
  type PageQuery,
} from "./model";
import { renderStatusPage } from "./render";
import { pageUrl } from "./urls";

/** How many audit entries the page shows. */
export const PAGE_AUDIT_ENTRIES = 20;
/** Zones or generations offered in the filter at most. */
const FACETS_MAX = 100;
export const REFRESH_SECONDS = 30;

/** What the page reads besides the snapshot. */
export interface PageSources {
  /** The history of the rows a page shows. */
  readonly hosts: HistorySource;
  /** Replaced hosts (the "replaced" filter) and their slots' hand-offs. */
  readonly archived: Pick<ArchivedHosts, "page" | "count" | "handoffs">;
  /** Cycle counts for the chart's window (longer than the snapshot keeps). */
  readonly cycles: Pick<CycleStore, "countsSince">;
  readonly audit: Pick<AuditStore, "newest">;
  readonly healthCheck: HealthCheckFacts;
}

export interface PageSession {
  readonly cookieSession: boolean;
  readonly canAct: boolean;
  readonly holds: HoldsView | undefined;
  /** The newest jobs, for the Jobs section; absent, no section. */
  readonly jobs?: readonly JobRecord[];
}

const DEFAULT_QUERY: PageQuery = pageQuerySchema.parse({});

function distinct(rows: readonly HostRow[], of: (row: HostRow) => string | null): string[] {
  const values = new Set<string>();
  for (const row of rows) values.add(of(row) ?? "-");
  return [...values].sort().slice(0, FACETS_MAX);
}

function spotMarks(rows: readonly HostRow[]) {
  let reclaiming = 0;
  let reclaimed = 0;
  for (const row of rows) {
    if (row.spot === "reclaiming") reclaiming++;
    else if (row.spot === "reclaimed") reclaimed++;
  }
  return { reclaiming, reclaimed };
}

/** The rows in the table's filter and order for `query`, once per snapshot. */
function sortedPart(view: FleetView, query: PageQuery): readonly HostRow[] {
  const { rows } = view.fleet;
  return view.memo(
    `sorted ${JSON.stringify([query.state, query.zone, query.gen, query.q, query.sort, query.dir])}`,
    () => sortedRows({ rows }, query),
  );
}

/** The grid of every host, grouped by `group`, once per snapshot. */
function gridPart(view: FleetView, group: PageQuery["group"]) {
  // Its links start from the plain page: it shows the whole fleet, whatever the table's filter.
  return view.memo(`grid ${group}`, () =>
    renderGrid(
      view.fleet.rows,
      group,
      escapeHtml,
      (grouping) => pageUrl(DEFAULT_QUERY, { group: grouping }),
      (value) =>
        pageUrl(DEFAULT_QUERY, {
          group,
          ...(group === "zone" ? { zone: value } : { gen: value }),
        }),
      view.tiles(),
    ),
  );
}

/** The zones and generations the filters offer, once per snapshot. */
function facetsPart(view: FleetView) {
  const { rows } = view.fleet;
  return view.memo("facets", () => ({
    zones: distinct(rows, (row) => row.zone),
    generations: distinct(rows, (row) => row.generation),
  }));
}

/**
 * Makes the parts of the plain page (what a browser opening it, or a poller, reads) that
 * cost the fleet's size, one a call: a snapshot's rebuild runs these, a turn each, while
 * the page is read, so the first read of the new snapshot renders only the rest.
 */
export const STATUS_PAGE_WARMERS: readonly ((view: FleetView) => void)[] = [
  (view) => sortedPart(view, DEFAULT_QUERY),
  (view) => gridPart(view, DEFAULT_QUERY.group),
  (view) => facetsPart(view),
];

export function buildStatusPage(
  sources: PageSources,
  view: FleetView,
  query: PageQuery,
  session: PageSession,
): string {
  const { now } = view.context;
  const { counts } = view.fleet;
  // Saturated or not by their load history, read with the rows (../fleet-snapshot.ts).
  const { rows } = view.fleet;
  const table =
    query.state === "replaced"
      ? archivedTable(counts, sources.archived, query, view.context, sources.hosts)
      : hostTable(counts, sortedPart(view, query), query.page, sources.hosts, query.size);
  const grid = gridPart(view, query.group);
  const hours = CHART_WINDOWS[query.window];
  const chart = view.memo(`chart ${query.window}`, () =>
    renderChart(
      hours <= 6 ? view.recentCycles : sources.cycles.countsSince(now - hours * 3_600_000),
      now,
      hours,
    ),
  );
  const facets = facetsPart(view);
  const counted = view.memo("marks", () => ({
    ...spotMarks(rows),
    saturated: view.fleet.saturated,
    replaced: sources.archived.count(),
  })) satisfies Record<(typeof EXTRA_FILTERS)[number], number>;
  return renderStatusPage({
    now,
    table,
    query,
    lastCycle: view.lastCycle,
    nextRunAt: sources.healthCheck.nextRunAt(),
    schedule: sources.healthCheck.schedule,
    dryRun: sources.healthCheck.dryRun,
    ...(session.holds ? { holds: session.holds } : {}),
    grid,
    chart,
    refreshSeconds: REFRESH_SECONDS,
    cookieSession: session.cookieSession,
    canAct: session.canAct,
    marks: counted,
    facets,
    audit: sources.audit.newest(PAGE_AUDIT_ENTRIES),
    ...(session.jobs ? { jobs: renderJobsSection(session.jobs) } : {}),
  });
}
