// What the status page shows: every active host with its state and the counts (built
// once per snapshot, see ../fleet-snapshot.ts), and one page of the table filtered and
// sorted as the query asks, with the history of the rows shown.
import { z } from "zod";
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

/** Rows a page of the table shows: a 10,000-host fleet is 20 pages, not one 5 MB page. */
export const TABLE_PAGE_ROWS = 500;

/** Unknown values fall back to the defaults: a stale bookmark should still show the page. */
export const pageQuerySchema = z.object({
  state: z.enum(["all", ...FLEET_STATES]).catch("all"),
  sort: z.enum(SORT_KEYS).catch("state"),
  dir: z.enum(["asc", "desc"]).catch("asc"),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;
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
  readonly history: readonly RemediationEvent[];
}

/** Every active host as a row (without history), and the counts: one snapshot's worth. */
export interface FleetRows {
  readonly counts: FleetCounts;
  /** In instance-id order. */
  readonly rows: readonly HostRow[];
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

/** A host as the table shows it (without history), judged against `context`. */
export function hostRow(host: HostRecord, context: HealthContext): HostRow {
  const assessment = assessHost(host, context);
  const state = fleetState(host, context);
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
    history: [],
  };
}

/** Rows (see hostRow) with the counts by state. */
export function fleetOf(rows: readonly HostRow[]): FleetRows {
  return { counts: countByState(rows.map((row) => row.state)), rows };
}

/** The rows the filter keeps, in the asked order (over every page). */
export function sortedRows(fleet: FleetRows, query: PageQuery): HostRow[] {
  const kept =
    query.state === "all" ? [...fleet.rows] : fleet.rows.filter((row) => row.state === query.state);
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
): HostTable {
  const pages = Math.max(1, Math.ceil(sorted.length / TABLE_PAGE_ROWS));
  const shown = Math.min(page, pages);
  const slice = sorted.slice((shown - 1) * TABLE_PAGE_ROWS, shown * TABLE_PAGE_ROWS);
  const history = store.recentEvents(
    slice.map((row) => row.instanceId),
    HISTORY_ON_PAGE,
  );
  const rows = slice.map((row) => ({ ...row, history: history.get(row.instanceId) ?? [] }));
  return { counts, rows, matching: sorted.length, page: shown, pages };
}
