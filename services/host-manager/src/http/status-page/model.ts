// What the status page shows, gathered from the store: every active host with its
// state, the counts, and the table filtered and sorted as the query asks.
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
import { STATUS_NAMES, type RemediationEvent } from "../../domain/host";

/** What the page reads of the registry: the active hosts, and each shown host's history. */
export type HostSource = Pick<HostStore, "listActive" | "events">;

export const SORT_KEYS = ["state", "instance", "ip", "lastSeen", "cpus"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Unknown values fall back to the defaults: a stale bookmark should still show the page. */
export const pageQuerySchema = z.object({
  state: z.enum(["all", ...FLEET_STATES]).catch("all"),
  sort: z.enum(SORT_KEYS).catch("state"),
  dir: z.enum(["asc", "desc"]).catch("asc"),
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

export interface HostTable {
  readonly counts: FleetCounts;
  readonly rows: readonly HostRow[];
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

/** Counts every active host; the rows are only those the filter keeps, in the asked order. */
export function hostTable(store: HostSource, query: PageQuery, context: HealthContext): HostTable {
  const all = store.listActive().map((host): HostRow => {
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
  });
  const counts = countByState(all.map((row) => row.state));
  const kept = query.state === "all" ? all : all.filter((row) => row.state === query.state);
  const sign = query.dir === "asc" ? 1 : -1;
  const compare = COMPARE[query.sort];
  // Ties, and the instance sort itself, fall back to the instance id: a stable order.
  kept.sort((a, b) => sign * (compare(a, b) || a.instanceId.localeCompare(b.instanceId)));
  // History only for the rows shown: one small indexed query each.
  const rows = kept.map((row) => ({
    ...row,
    history: store.events(row.instanceId, HISTORY_ON_PAGE),
  }));
  return { counts, rows };
}
