// The host registry: inventory sync, host reports and remediation bookkeeping.
// Every change to a host bumps its version; remediation updates are made
// against the version that was read (optimistic locking), so a decision taken
// on a stale row is never written over a newer one.
import type { CloudInstance, InventoryChange } from "../../domain/cloud";
import {
  HOST_STATE_FIELDS,
  REPORTED_FIELDS,
  type CycleHost,
  type HostRecord,
  type HostReport,
  type HostStateFields,
  type RemediationEvent,
} from "../../domain/host";
import {
  assignments,
  CLOUD_COLUMNS,
  CYCLE_HOST_FIELDS,
  EVENT_COLUMNS,
  FOLLOWED_CLOUD_FIELDS,
  HOST_COLUMNS,
  insertLists,
  REMEDIATION_FIELDS,
  selectList,
} from "./columns";
import type { Db } from "./database";
import { RemediationIntents } from "./intents";
import { LoadHistory } from "./load-history";
import { encodeSample, LOAD_HISTORY_COLUMN, PREPENDED_HISTORY_SQL } from "./load-samples";
import { SlotRegistry } from "./slots";

const ALL = selectList(HOST_COLUMNS);
const col = (field: keyof HostRecord) => HOST_COLUMNS[field];
const NEW_INSTANCE = insertLists(CLOUD_COLUMNS);
const EVENT_INSERT = insertLists(EVENT_COLUMNS);
const EVENT_FIELDS = Object.keys(EVENT_COLUMNS).join(", ");

/** A host as an inventory sync compares it with the scaling group. */
type InventoryViewRow = Pick<HostRecord, "instanceId" | "archivedAt"> &
  Pick<CloudInstance, (typeof FOLLOWED_CLOUD_FIELDS)[number]>;

/** The points in time a host row holds: none may be later than now (clampFutureTimestamps). */
const TIMESTAMP_COLUMNS = (
  [
    "cloudCreatedAt",
    "firstSeenAt",
    "archivedAt",
    "statusSince",
    "lastReportAt",
    "lastRemediationAt",
    "rolloutReplacedAt",
  ] as const satisfies readonly (keyof HostRecord)[]
).map(col);

export type ReportOutcome = "ok" | "unknown-instance" | "ip-mismatch";

export type RemediationPatch = Pick<HostRecord, (typeof REMEDIATION_FIELDS)[number]>;

export class HostStore {
  private readonly stmt;
  /**
   * The report statement's parameters, refilled for each report: applyReports runs
   * synchronously, so one array serves every call and a report costs no allocation here.
   */
  private readonly reportParams: unknown[];
  /** Remediations begun and not yet recorded as done or refused. */
  readonly intents: RemediationIntents;
  /** Where each replace hands on to the next host, and the slots given up on. */
  readonly slots: SlotRegistry;
  /** The last few load samples of each host (saturation is judged on them). */
  readonly load: LoadHistory;

  constructor(private readonly db: Db) {
    this.intents = new RemediationIntents(db);
    this.slots = new SlotRegistry(db);
    this.load = new LoadHistory(db);
    // Lists of columns come from ./columns; a single column in a condition is plain SQL.
    this.stmt = {
      probe: db.prepare("SELECT 1"),
      get: db.prepare(`SELECT ${ALL} FROM hosts WHERE instance_id = ?`),
      active: db.prepare(`SELECT ${ALL} FROM hosts WHERE archived_at IS NULL ORDER BY instance_id`),
      activeForCycle: db.prepare(
        `SELECT ${selectList(HOST_COLUMNS, CYCLE_HOST_FIELDS)} FROM hosts
         WHERE archived_at IS NULL ORDER BY instance_id`,
      ),
      all: db.prepare(`SELECT ${ALL} FROM hosts ORDER BY instance_id`),
      // Keyset pages in instance-id order: a page costs the same wherever it starts.
      activePage: db.prepare(
        `SELECT ${ALL} FROM hosts WHERE archived_at IS NULL AND instance_id > ?
         ORDER BY instance_id LIMIT ?`,
      ),
      allPage: db.prepare(
        `SELECT ${ALL} FROM hosts WHERE instance_id > ? ORDER BY instance_id LIMIT ?`,
      ),
      activeCount: db.prepare(`SELECT COUNT(*) FROM hosts WHERE archived_at IS NULL`).pluck(),
      reclaimingCount: db
        .prepare(
          `SELECT COUNT(*) FROM hosts WHERE archived_at IS NULL AND spot_termination_at IS NOT NULL`,
        )
        .pluck(),
      allCount: db.prepare(`SELECT COUNT(*) FROM hosts`).pluck(),
      // Rows as arrays, in HOST_STATE_FIELDS order (see forEachActiveState).
      activeStates: db
        .prepare(
          `SELECT ${HOST_STATE_FIELDS.map(col).join(", ")} FROM hosts WHERE archived_at IS NULL`,
        )
        .raw(true),
      // A new instance: status 0 (created) since the cloud's creation time.
      insert: db.prepare(
        `INSERT INTO hosts (${NEW_INSTANCE.columns}, first_seen_at, status, status_since)
         VALUES (${NEW_INSTANCE.values}, @now, 0, @createdAt)`,
      ),
      // Back in the group, or changed in it; a rollout's mark survives only while it stays.
      refresh: db.prepare(
        `UPDATE hosts SET ${assignments(CLOUD_COLUMNS, FOLLOWED_CLOUD_FIELDS)},
           rollout_replaced_at = CASE WHEN archived_at IS NULL THEN rollout_replaced_at END,
           archived_at = NULL, version = version + 1
         WHERE instance_id = @instanceId AND (archived_at IS NOT NULL
           ${FOLLOWED_CLOUD_FIELDS.map((f) => `OR ${CLOUD_COLUMNS[f]} IS NOT @${f}`).join(" ")})`,
      ),
      inventoryView: db.prepare(
        `SELECT instance_id AS instanceId, archived_at AS archivedAt,
           ${selectList(CLOUD_COLUMNS, FOLLOWED_CLOUD_FIELDS)}
         FROM hosts`,
      ),
      // The cloud's own spot notice: the time it was first seen stands in for the release time.
      recycling: db.prepare(
        `UPDATE hosts SET spot_termination_at = ?, version = version + 1
         WHERE instance_id = ? AND spot_termination_at IS NULL`,
      ),
      // The zone as the cloud lists it; written only when it says and it changed.
      zone: db.prepare(
        `UPDATE hosts SET zone_id = ?, version = version + 1
         WHERE instance_id = ? AND zone_id IS NOT ?`,
      ),
      archive: db.prepare(
        `UPDATE hosts SET archived_at = ?, version = version + 1 WHERE instance_id = ?`,
      ),
      // Positional parameters, bound from reportParams: no object built per report.
      report: db.prepare(
        `UPDATE hosts SET
           status_since = CASE WHEN status = ? THEN status_since ELSE ? END,
           status = ?, last_report_at = ?,
           ${REPORTED_FIELDS.map((field) => `${col(field)} = ?`).join(", ")},
           spot_termination_at = coalesce(?, spot_termination_at),
           ${LOAD_HISTORY_COLUMN} = ${PREPENDED_HISTORY_SQL},
           version = version + 1
         WHERE instance_id = ? AND archived_at IS NULL
           AND (cloud_private_ip IS NULL OR cloud_private_ip = ?)`,
      ),
      // SQLite's min() of several values is NULL if one is: a NULL column stays NULL.
      clampFuture: db.prepare(
        `UPDATE hosts SET ${TIMESTAMP_COLUMNS.map((c) => `${c} = min(${c}, @now)`).join(", ")},
           version = version + 1
         WHERE ${TIMESTAMP_COLUMNS.map((c) => `${c} > @now`).join(" OR ")}`,
      ),
      clampFutureEvents: db.prepare(`UPDATE remediation_events SET at = @now WHERE at > @now`),
      known: db.prepare(`SELECT 1 FROM hosts WHERE instance_id = ? AND archived_at IS NULL`),
      remediate: db.prepare(
        `UPDATE hosts SET ${assignments(HOST_COLUMNS, REMEDIATION_FIELDS)}, version = version + 1
         WHERE instance_id = @instanceId AND version = @version`,
      ),
      rolledOut: db.prepare(
        `UPDATE hosts SET rollout_replaced_at = ?, version = version + 1 WHERE instance_id = ?`,
      ),
      event: db.prepare(
        `INSERT INTO remediation_events (${EVENT_INSERT.columns}) VALUES (${EVENT_INSERT.values})`,
      ),
      eventsFor: db.prepare(
        `SELECT ${selectList(EVENT_COLUMNS)}
         FROM remediation_events WHERE instance_id = ? ORDER BY id DESC LIMIT ?`,
      ),
      // The newest events of many hosts in one query (ids as a JSON array), each host's
      // newest first: a page of hosts costs one query, not one per host.
      recentEvents: db.prepare(
        `SELECT ${EVENT_FIELDS} FROM (
           SELECT ${selectList(EVENT_COLUMNS)},
             ROW_NUMBER() OVER (PARTITION BY instance_id ORDER BY id DESC) AS n
           FROM remediation_events WHERE instance_id IN (SELECT value FROM json_each(?))
         ) WHERE n <= ? ORDER BY instanceId, n`,
      ),
      allEvents: db.prepare(
        `SELECT ${selectList(EVENT_COLUMNS)} FROM remediation_events ORDER BY id`,
      ),
    };
    this.reportParams = new Array<unknown>(4 + REPORTED_FIELDS.length + 4);
  }

  /** Whether the database answers a query: the service's liveness, for /healthz. */
  answers(): boolean {
    try {
      this.stmt.probe.get();
      return true;
    } catch {
      return false;
    }
  }

  get(instanceId: string): HostRecord | undefined {
    return this.stmt.get.get(instanceId) as HostRecord | undefined;
  }

  listActive(): HostRecord[] {
    return this.stmt.active.all() as HostRecord[];
  }

  /** Like listActive, with only the columns the health check decides on. */
  listActiveForCycle(): CycleHost[] {
    return this.stmt.activeForCycle.all() as CycleHost[];
  }

  listAll(): HostRecord[] {
    return this.stmt.all.all() as HostRecord[];
  }

  /**
   * Up to `limit` hosts after `afterInstanceId` (null: from the start) in instance-id
   * order, archived ones too if `archived`: one page of the API's list.
   */
  page(afterInstanceId: string | null, limit: number, archived = false): HostRecord[] {
    const statement = archived ? this.stmt.allPage : this.stmt.activePage;
    return statement.all(afterInstanceId ?? "", limit) as HostRecord[];
  }

  /** How many hosts there are (active ones only unless `archived`). */
  count(archived = false): number {
    return (archived ? this.stmt.allCount : this.stmt.activeCount).get() as number;
  }

  /** Active hosts that reported a spot interruption notice (see domain/spot.ts). */
  countReclaiming(): number {
    return this.stmt.reclaimingCount.get() as number;
  }

  /**
   * Calls `visit` with the state fields of every active host, in no particular order.
   * The object passed is reused from one call to the next: read it, do not keep it.
   */
  forEachActiveState(visit: (host: Readonly<HostStateFields>) => void): void {
    const host = {} as Record<keyof HostStateFields, unknown>;
    const fields = HOST_STATE_FIELDS;
    for (const row of this.stmt.activeStates.all() as unknown[][]) {
      for (let i = 0; i < fields.length; i++) host[fields[i]] = row[i];
      visit(host as unknown as HostStateFields);
    }
  }

  /**
   * Sets every stored time later than `now` to `now`, and says how many hosts it changed.
   * Times are written from the service's clock, so a later one was written under a clock
   * since set back: left alone, a host that then dies would look as if it reported in
   * the future, and no timeout or cooldown would run until the clock caught up.
   */
  clampFutureTimestamps(now: number): number {
    return this.db.transaction(() => {
      this.stmt.clampFutureEvents.run({ now });
      return this.stmt.clampFuture.run({ now }).changes;
    })();
  }

  isKnown(instanceId: string): boolean {
    return this.stmt.known.get(instanceId) !== undefined;
  }

  /** Makes the registry match the scaling group: new instances enter as status 0, gone ones are archived. */
  syncInventory(instances: readonly CloudInstance[], now: number): InventoryChange {
    const change: InventoryChange = { added: [], archived: [], restored: [] };
    this.db.transaction(() => {
      // One read of the registry instead of one per instance: this runs over the whole fleet.
      const known = new Map(
        (this.stmt.inventoryView.all() as InventoryViewRow[]).map((row) => [row.instanceId, row]),
      );
      const seen = new Set<string>();
      for (const { recycling, zone, ...instance } of instances) {
        seen.add(instance.instanceId);
        const existing = known.get(instance.instanceId);
        if (!existing) {
          // A creation time ahead of this clock would lengthen the start-up grace by as much.
          this.stmt.insert.run({ ...instance, createdAt: Math.min(instance.createdAt, now), now });
          if (recycling) this.stmt.recycling.run(now, instance.instanceId);
          if (zone) this.stmt.zone.run(zone, instance.instanceId, zone);
          change.added.push(instance.instanceId);
          continue;
        }
        if (existing.archivedAt !== null) change.restored.push(instance.instanceId);
        if (
          existing.archivedAt !== null ||
          FOLLOWED_CLOUD_FIELDS.some((field) => existing[field] !== instance[field])
        ) {
          this.stmt.refresh.run(instance);
        }
        if (recycling) this.stmt.recycling.run(now, instance.instanceId);
        if (zone) this.stmt.zone.run(zone, instance.instanceId, zone);
      }
      for (const row of known.values()) {
        if (row.archivedAt === null && !seen.has(row.instanceId)) {
          this.stmt.archive.run(now, row.instanceId);
          change.archived.push(row.instanceId);
        }
      }
    })();
    return change;
  }

  /** Applies a batch of reports in one transaction (one fsync) and says what became of each. */
  applyReports(reports: readonly HostReport[], now: number): ReportOutcome[] {
    return this.db.transaction(() =>
      reports.map((report): ReportOutcome => {
        const params = this.reportParams;
        params[0] = report.status;
        params[1] = now;
        params[2] = report.status;
        params[3] = now;
        for (let i = 0; i < REPORTED_FIELDS.length; i++) {
          params[4 + i] = report[REPORTED_FIELDS[i]] ?? null;
        }
        // A notice once given stands: a later report that could not read it does not undo it.
        params[4 + REPORTED_FIELDS.length] =
          report.spotTerminationTime === undefined ? null : Date.parse(report.spotTerminationTime);
        // Its load figures join the host's history (none: the history stays as it is).
        params[5 + REPORTED_FIELDS.length] = encodeSample(report, now);
        params[6 + REPORTED_FIELDS.length] = report.instanceId;
        params[7 + REPORTED_FIELDS.length] = report.privateIp;
        if (this.stmt.report.run(params).changes === 1) return "ok";
        return this.isKnown(report.instanceId) ? "ip-mismatch" : "unknown-instance";
      }),
    )();
  }

  /**
   * Writes a remediation step and its history entry atomically, if the host is
   * still at `version`. Returns false when someone else changed it first.
   */
  recordRemediation(
    instanceId: string,
    version: number,
    patch: RemediationPatch,
    event: Omit<RemediationEvent, "instanceId"> | null,
  ): boolean {
    return this.db.transaction(() => {
      const result = this.stmt.remediate.run({ instanceId, version, ...patch });
      if (result.changes !== 1) return false;
      if (event) this.stmt.event.run({ instanceId, ...event });
      return true;
    })();
  }

  /**
   * Like recordRemediation, but re-reads and retries on a version conflict:
   * used after a cloud call that did happen and so must be recorded.
   */
  recordRemediationRetrying(
    instanceId: string,
    patch: (current: HostRecord) => RemediationPatch,
    event: Omit<RemediationEvent, "instanceId">,
  ): boolean {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = this.get(instanceId);
      if (!current) return false;
      if (this.recordRemediation(instanceId, current.version, patch(current), event)) return true;
    }
    return false;
  }

  /**
   * Records that a rollout had ESS replace the host, with its history entry, atomically.
   * The cloud call happened, so no version check: a report that raced it changes nothing.
   */
  recordRolloutReplace(instanceId: string, event: Omit<RemediationEvent, "instanceId">): boolean {
    return this.db.transaction(() => {
      if (this.stmt.rolledOut.run(event.at, instanceId).changes !== 1) return false;
      this.stmt.event.run({ instanceId, ...event });
      return true;
    })();
  }

  addEvent(event: RemediationEvent): void {
    this.stmt.event.run(event);
  }

  events(instanceId: string, limit = 20): RemediationEvent[] {
    return this.stmt.eventsFor.all(instanceId, limit) as RemediationEvent[];
  }

  /** The newest `perHost` events of each host asked for, in one query; no entry for none. */
  recentEvents(instanceIds: readonly string[], perHost: number): Map<string, RemediationEvent[]> {
    const byHost = new Map<string, RemediationEvent[]>();
    if (instanceIds.length === 0) return byHost;
    const rows = this.stmt.recentEvents.all(
      JSON.stringify(instanceIds),
      perHost,
    ) as RemediationEvent[];
    for (const event of rows) {
      const list = byHost.get(event.instanceId);
      if (list) list.push(event);
      else byHost.set(event.instanceId, [event]);
    }
    return byHost;
  }

  allEvents(): RemediationEvent[] {
    return this.stmt.allEvents.all() as RemediationEvent[];
  }
}
