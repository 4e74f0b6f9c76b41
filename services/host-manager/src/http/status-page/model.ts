// What the status page shows: every active host with its state and the counts (built
// once per snapshot, see ../fleet-snapshot.ts), and one page of the table filtered and
// sorted as the query asks, with the history of the rows shown.
import { z } from "zod";
import type { ArchivedHosts } from "../../adapters/storage/archived-hosts";
import type { HostStore } from "../../adapters/storage/hosts";
import { assessHost } from "../../domain/assessment";
import {
  countByState,
  fleetState,
  FLEET_STATES,
  type FleetCounts,
  type FleetState,
} from "../../domain/fleet-state";
import type { HealthContext } from "../../domain/health-context";
import { STATUS_NAMES, type HostRecord, type RemediationEvent } from "../../domain/host";

/** What a page of the table reads of the registry: the history of the rows shown. */
export type HistorySource = Pick<HostStore, "recentEvents">;

export const SORT_KEYS = ["state", "instance", "ip", "lastSeen", "cpus"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Rows a page of the table may show: a 10,000-host fleet is 20 pages, not one 5 MB page. */
export const TABLE_PAGE_ROWS = 500;
/** The page sizes offered; the default suits a phone as well as a desk. */
export const PAGE_SIZES = [50, 100, 200, TABLE_PAGE_ROWS] as const;
export const DEFAULT_PAGE_SIZE = 100;

/** Besides the fleet states: the marks a host can carry, and the archived hosts. */
export const EXTRA_FILTERS = ["reclaiming", "reclaimed", "saturated", "replaced"] as const;
export type StateFilter = "all" | FleetState | (typeof EXTRA_FILTERS)[number];

/** How the fleet grid is grouped. */
export const GROUPINGS = ["zone", "generation"] as const;
export type Grouping = (typeof GROUPINGS)[number];

/** The chart's windows, in hours by name. */
export const CHART_WINDOWS = { "1h": 1, "6h": 6, "24h": 24, "7d": 168 } as const;
export type ChartWindow = keyof typeof CHART_WINDOWS;

/** A free-text value from the query: trimmed, bounded, "" when absent or not text. */
const text = (max: number) =>
  z
    .string()
    .transform((value) => value.trim().slice(0, max))
    .catch("");

/** Unknown values fall back to the defaults: a stale bookmark should still show the page. */
export const pageQuerySchema = z.object({
  state: z.enum(["all", ...FLEET_STATES, ...EXTRA_FILTERS]).catch("all"),
  /** Only hosts in this zone / of this generation ("" all; "-" the hosts without one). */
  zone: text(64),
  gen: text(64),
  /** Part of the instance id or host name, any case. */
  q: text(64),
  sort: z.enum(SORT_KEYS).catch("state"),
  dir: z.enum(["asc", "desc"]).catch("asc"),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
  size: z.coerce
    .number()
    .refine((n) => (PAGE_SIZES as readonly number[]).includes(n))
    .catch(DEFAULT_PAGE_SIZE),
  group: z.enum(GROUPINGS).catch("zone"),
  window: z.enum(Object.keys(CHART_WINDOWS) as [ChartWindow, ...ChartWindow[]]).catch("1h"),
});
export type PageQuery = {
  readonly state: StateFilter;
  readonly zone: string;
  readonly gen: string;
  readonly q: string;
  readonly sort: SortKey;
  readonly dir: "asc" | "desc";
  readonly page: number;
  readonly size: number;
  readonly group: Grouping;
  readonly window: ChartWindow;
};
/** A query as a URL's search: what the page's links and the memo are keyed by. */
export function queryKey(query: PageQuery): string {
  return JSON.stringify([
    query.state,
    query.zone,
    query.gen,
    query.q,
    query.sort,
    query.dir,
    query.page,
    query.size,
    query.group,
    query.window,
  ]);
}

/** A spot host's reclaim, as the API's host view says it (absent: not a spot host, or none). */
export type SpotMark = "reclaiming" | "reclaimed" | null;
export interface HostRow {
  readonly instanceId: string;
  readonly privateIp: string | null;
  readonly state: FleetState;
  readonly statusName: string;
  /** Why the health check finds it unhealthy, if it does. */
  readonly reason: string | null;
  readonly lastSeenAt: number | null;
  readonly logicalCpus: number | null;
  readonly physicalCpus: number | null;
  readonly hostname: string | null;
  readonly clientVersion: string | null;
  readonly attempts: number;
  /** The instance's generation tag and zone; null when the host has none (or it is not known). */
  readonly generation: string | null;
  readonly zone: string | null;
  readonly spot: SpotMark;
  readonly saturated: boolean;
  /** When it left the group (archived hosts only). */
  readonly archivedAt: number | null;
  readonly history: readonly RemediationEvent[];
}

/** Every active host as a row (without history), and the counts: one snapshot's worth. */
export interface FleetRows {
  readonly counts: FleetCounts;
  /** In instance-id order. */
  readonly rows: readonly HostRow[];
  /** How many rows are saturated. */
  readonly saturated: number;
}

export interface HostTable {
  readonly counts: FleetCounts;
  /** The rows of the page shown, with their history. */
  readonly rows: readonly HostRow[];
  /** Rows the filter keeps, over every page. */
  readonly matching: number;
  /** The page shown (1-based, within range) and how many there are. */
  readonly page: number;
  readonly pages: number;
  /** Rows a page holds. */
  readonly size: number;
}

const HISTORY_ON_PAGE = 5;
const severity = (state: FleetState) => FLEET_STATES.indexOf(state);
const ipNumber = (ip: string | null) =>
  ip === null ? -1 : ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);

const COMPARE: Record<SortKey, (a: HostRow, b: HostRow) => number> = {
  state: (a, b) => severity(a.state) - severity(b.state),
  instance: () => 0,
  ip: (a, b) => ipNumber(a.privateIp) - ipNumber(b.privateIp),
  // Never seen sorts as the oldest.
  lastSeen: (a, b) => (a.lastSeenAt ?? -1) - (b.lastSeenAt ?? -1),
  cpus: (a, b) => (a.logicalCpus ?? -1) - (b.logicalCpus ?? -1),
};

const SPOT_MARKS: ReadonlySet<string> = new Set(["reclaiming", "reclaimed"]);

/**
 * The marks a host may carry beyond what every record has, read so that a record or
 * view without them is a host without them: `spot` a mark (or an object with one in
 * `state`), else a `spotTerminationAt` time (the spot notice, as the spot work records
 * it: reclaiming while in the group, reclaimed once gone); `saturated` true (or an
 * object with `saturated`/`flagged` true); `zone` or `zoneId` a name.
 */
export function hostMarks(fields: Record<string, unknown>): {
  spot: SpotMark;
  saturated: boolean;
  zone: string | null;
} {
  const { spot, saturated, spotTerminationAt } = fields;
  const spotState =
    typeof spot === "object" && spot !== null ? (spot as Record<string, unknown>).state : spot;
  const noticed =
    typeof spotTerminationAt === "number"
      ? fields.archivedAt === null || fields.archivedAt === undefined
        ? "reclaiming"
        : "reclaimed"
      : null;
  const saturation =
    typeof saturated === "object" && saturated !== null
      ? (saturated as Record<string, unknown>).saturated === true ||
        (saturated as Record<string, unknown>).flagged === true
      : saturated === true;
  const zone = fields.zone ?? fields.zoneId;
  return {
    spot:
      typeof spotState === "string" && SPOT_MARKS.has(spotState)
        ? (spotState as SpotMark)
        : noticed,
    saturated: saturation,
    zone: typeof zone === "string" && zone !== "" ? zone : null,
  };
}

/**
 * A host as the table shows it (without history), judged against `context`; `saturated`
 * by the host's load history, which its record does not hold.
 */
export function hostRow(host: HostRecord, context: HealthContext, saturated = false): HostRow {
  const assessment = assessHost(host, context);
  const state = fleetState(host, context);
  // Off the record itself: the API's host view costs ten times this per host, and the
  // snapshot builds a row for every host every few seconds.
  const marks = hostMarks(host as unknown as Record<string, unknown>);
  return {
    instanceId: host.instanceId,
    privateIp: host.privateIp ?? host.cloudPrivateIp,
    state,
    statusName: STATUS_NAMES[host.status] ?? "unknown",
    reason: assessment.healthy || state === "out-of-service" ? null : assessment.reason,
    lastSeenAt: host.lastReportAt,
    logicalCpus: host.logicalCpus,
    physicalCpus: host.physicalCpus,
    hostname: host.hostname,
    clientVersion: host.clientVersion,
    attempts: host.remediationAttempts,
    generation: host.generation,
    ...marks,
    saturated: marks.saturated || saturated,
    archivedAt: host.archivedAt,
    history: [],
  };
}

/** Whether a row passes the query's filters (state, zone, generation, text). */
export function rowMatches(row: HostRow, query: PageQuery): boolean {
  const { state } = query;
  if (state === "reclaiming" || state === "reclaimed") {
    if (row.spot !== state) return false;
  } else if (state === "saturated") {
    if (!row.saturated) return false;
  } else if (state !== "all" && state !== "replaced" && row.state !== state) {
    return false;
  }
  if (query.zone !== "" && (row.zone ?? "-") !== query.zone) return false;
  if (query.gen !== "" && (row.generation ?? "-") !== query.gen) return false;
  if (query.q !== "") {
    const needle = query.q.toLowerCase();
    const inId = row.instanceId.toLowerCase().includes(needle);
    if (!inId && !(row.hostname ?? "").toLowerCase().includes(needle)) return false;
  }
  return true;
}

/** Rows (see hostRow) with the counts by state. */
export function fleetOf(rows: readonly HostRow[]): FleetRows {
  let saturated = 0;
  for (const row of rows) if (row.saturated) saturated++;
  return { counts: countByState(rows.map((row) => row.state)), rows, saturated };
}

/** The rows the filter keeps, in the asked order (over every page). */
export function sortedRows(fleet: Pick<FleetRows, "rows">, query: PageQuery): HostRow[] {
  const kept = fleet.rows.filter((row) => rowMatches(row, query));
  const sign = query.dir === "asc" ? 1 : -1;
  const compare = COMPARE[query.sort];
  const byId = (a: HostRow, b: HostRow) =>
    a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0;
  // Ties, and the instance sort itself, fall back to the instance id: a stable order.
  kept.sort((a, b) => sign * (compare(a, b) || byId(a, b)));
  return kept;
}

/** One page of `sorted` (see sortedRows), each row with its history: one query for the page. */
export function hostTable(
  counts: FleetCounts,
  sorted: readonly HostRow[],
  page: number,
  store: HistorySource,
  size: number = DEFAULT_PAGE_SIZE,
): HostTable {
  const rowsPerPage = Math.max(1, Math.min(TABLE_PAGE_ROWS, size));
  const pages = Math.max(1, Math.ceil(sorted.length / rowsPerPage));
  const shown = Math.min(page, pages);
  const slice = sorted.slice((shown - 1) * rowsPerPage, shown * rowsPerPage);
  const history = store.recentEvents(
    slice.map((row) => row.instanceId),
    HISTORY_ON_PAGE,
  );
  const rows = slice.map((row) => ({ ...row, history: history.get(row.instanceId) ?? [] }));
  return { counts, rows, matching: sorted.length, page: shown, pages, size: rowsPerPage };
}

/** What the "replaced" list reads: archived hosts, newest first, a page at a time. */
export type ArchivedSource = Pick<ArchivedHosts, "page" | "count">;

/**
 * One page of the archived hosts the query's text and generation keep, newest archived
 * first, each with its history. Zones are not recorded for archived hosts: a zone filter
 * other than "-" keeps none.
 */
export function archivedTable(
  counts: FleetCounts,
  archived: ArchivedSource,
  query: PageQuery,
  context: HealthContext,
  store: HistorySource,
): HostTable {
  const size = Math.max(1, Math.min(TABLE_PAGE_ROWS, query.size));
  const filter = { text: query.q, generation: query.gen };
  const none = query.zone !== "" && query.zone !== "-";
  const matching = none ? 0 : archived.count(filter);
  const pages = Math.max(1, Math.ceil(matching / size));
  const page = Math.min(query.page, pages);
  const hosts = none ? [] : archived.page((page - 1) * size, size, filter);
  const history = store.recentEvents(
    hosts.map((host) => host.instanceId),
    HISTORY_ON_PAGE,
  );
  const rows = hosts.map((host) => ({
    ...hostRow(host, context),
    history: history.get(host.instanceId) ?? [],
  }));
  return { counts, rows, matching, page, pages, size };
}
