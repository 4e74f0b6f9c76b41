// The host registry: inventory sync, host reports and remediation bookkeeping.
// Every change to a host bumps its version; remediation updates are made
// against the version that was read (optimistic locking), so a decision taken
// on a stale row is never written over a newer one.
import type { CloudInstance, InventoryChange } from "../../domain/cloud";
import type {
  CycleHost,
  HostRecord,
  HostReport,
  HostStateFields,
  RemediationEvent,
  RemediationState,
} from "../../domain/host";
import type { Db } from "./database";

const HOST_COLUMNS = `
  instance_id AS instanceId, cloud_private_ip AS cloudPrivateIp, lifecycle_state AS lifecycleState,
  cloud_created_at AS cloudCreatedAt, first_seen_at AS firstSeenAt, archived_at AS archivedAt,
  status, status_since AS statusSince, last_report_at AS lastReportAt, private_ip AS privateIp,
  mac, logical_cpus AS logicalCpus, physical_cpus AS physicalCpus, client_version AS clientVersion,
  hostname, remediation_state AS remediationState, remediation_attempts AS remediationAttempts,
  last_remediation_at AS lastRemediationAt, generation, rollout_replaced_at AS rolloutReplacedAt,
  version`;

/** HOST_COLUMNS but those CycleHost leaves out. */
const CYCLE_COLUMNS = `
  instance_id AS instanceId, lifecycle_state AS lifecycleState, cloud_created_at AS cloudCreatedAt,
  archived_at AS archivedAt, status, status_since AS statusSince, last_report_at AS lastReportAt,
  remediation_state AS remediationState, remediation_attempts AS remediationAttempts,
  last_remediation_at AS lastRemediationAt, generation, rollout_replaced_at AS rolloutReplacedAt,
  version`;

interface InventoryViewRow {
  instanceId: string;
  archivedAt: number | null;
  cloudPrivateIp: string | null;
  lifecycleState: string | null;
  generation: string | null;
}

export type ReportOutcome = "ok" | "unknown-instance" | "ip-mismatch";

export interface RemediationPatch {
  remediationState: RemediationState;
  remediationAttempts: number;
  lastRemediationAt: number | null;
}

export class HostStore {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      probe: db.prepare("SELECT 1"),
      get: db.prepare(`SELECT ${HOST_COLUMNS} FROM hosts WHERE instance_id = ?`),
      active: db.prepare(
        `SELECT ${HOST_COLUMNS} FROM hosts WHERE archived_at IS NULL ORDER BY instance_id`,
      ),
      activeForCycle: db.prepare(
        `SELECT ${CYCLE_COLUMNS} FROM hosts WHERE archived_at IS NULL ORDER BY instance_id`,
      ),
      all: db.prepare(`SELECT ${HOST_COLUMNS} FROM hosts ORDER BY instance_id`),
      // Rows as arrays, in HostStateFields order (see forEachActiveState).
      activeStates: db
        .prepare(
          `SELECT lifecycle_state, archived_at, rollout_replaced_at, remediation_state, status,
             last_report_at, cloud_created_at, status_since
           FROM hosts WHERE archived_at IS NULL`,
        )
        .raw(true),
      insert: db.prepare(
        `INSERT INTO hosts (instance_id, cloud_private_ip, lifecycle_state, cloud_created_at,
           first_seen_at, status, status_since, generation)
         VALUES (@instanceId, @privateIp, @lifecycleState, @createdAt, @now, 0, @createdAt,
           @generation)`,
      ),
      refresh: db.prepare(
        `UPDATE hosts SET cloud_private_ip = @privateIp, lifecycle_state = @lifecycleState,
           generation = @generation,
           rollout_replaced_at = CASE WHEN archived_at IS NULL THEN rollout_replaced_at END,
           archived_at = NULL, version = version + 1
         WHERE instance_id = @instanceId AND (archived_at IS NOT NULL
           OR cloud_private_ip IS NOT @privateIp OR lifecycle_state IS NOT @lifecycleState
           OR generation IS NOT @generation)`,
      ),
      inventoryView: db.prepare(
        `SELECT instance_id AS instanceId, archived_at AS archivedAt,
           cloud_private_ip AS cloudPrivateIp, lifecycle_state AS lifecycleState, generation
         FROM hosts`,
      ),
      archive: db.prepare(
        `UPDATE hosts SET archived_at = ?, version = version + 1 WHERE instance_id = ?`,
      ),
      // Positional parameters, bound from the arguments: no object built per report.
      report: db.prepare(
        `UPDATE hosts SET
           status_since = CASE WHEN status = ? THEN status_since ELSE ? END,
           status = ?, last_report_at = ?, private_ip = ?, mac = ?,
           logical_cpus = ?, physical_cpus = ?, client_version = ?, hostname = ?,
           version = version + 1
         WHERE instance_id = ? AND archived_at IS NULL
           AND (cloud_private_ip IS NULL OR cloud_private_ip = ?)`,
      ),
      known: db.prepare(`SELECT 1 FROM hosts WHERE instance_id = ? AND archived_at IS NULL`),
      remediate: db.prepare(
        `UPDATE hosts SET remediation_state = @remediationState,
           remediation_attempts = @remediationAttempts, last_remediation_at = @lastRemediationAt,
           version = version + 1
         WHERE instance_id = @instanceId AND version = @version`,
      ),
      rolledOut: db.prepare(
        `UPDATE hosts SET rollout_replaced_at = ?, version = version + 1 WHERE instance_id = ?`,
      ),
      event: db.prepare(
        `INSERT INTO remediation_events (instance_id, at, action, outcome, reason, detail)
         VALUES (@instanceId, @at, @action, @outcome, @reason, @detail)`,
      ),
      eventsFor: db.prepare(
        `SELECT instance_id AS instanceId, at, action, outcome, reason, detail
         FROM remediation_events WHERE instance_id = ? ORDER BY id DESC LIMIT ?`,
      ),
      allEvents: db.prepare(
        `SELECT instance_id AS instanceId, at, action, outcome, reason, detail
         FROM remediation_events ORDER BY id`,
      ),
    };
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
   * Calls `visit` with the state fields of every active host, in no particular order.
   * The object passed is reused from one call to the next: read it, do not keep it.
   */
  forEachActiveState(visit: (host: Readonly<HostStateFields>) => void): void {
    const host: HostStateFields = {
      lifecycleState: null,
      archivedAt: null,
      rolloutReplacedAt: null,
      remediationState: "none",
      status: 0,
      lastReportAt: null,
      cloudCreatedAt: 0,
      statusSince: 0,
    };
    for (const row of this.stmt.activeStates.all() as unknown[][]) {
      host.lifecycleState = row[0] as string | null;
      host.archivedAt = row[1] as number | null;
      host.rolloutReplacedAt = row[2] as number | null;
      host.remediationState = row[3] as RemediationState;
      host.status = row[4] as number;
      host.lastReportAt = row[5] as number | null;
      host.cloudCreatedAt = row[6] as number;
      host.statusSince = row[7] as number;
      visit(host);
    }
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
      for (const instance of instances) {
        seen.add(instance.instanceId);
        const existing = known.get(instance.instanceId);
        if (!existing) {
          this.stmt.insert.run({ ...instance, now });
          change.added.push(instance.instanceId);
          continue;
        }
        if (existing.archivedAt !== null) change.restored.push(instance.instanceId);
        if (
          existing.archivedAt !== null ||
          existing.cloudPrivateIp !== instance.privateIp ||
          existing.lifecycleState !== instance.lifecycleState ||
          existing.generation !== instance.generation
        ) {
          this.stmt.refresh.run(instance);
        }
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
        const result = this.stmt.report.run(
          report.status,
          now,
          report.status,
          now,
          report.privateIp,
          report.mac,
          report.logicalCpus,
          report.physicalCpus,
          report.clientVersion ?? null,
          report.hostname ?? null,
          report.instanceId,
          report.privateIp,
        );
        if (result.changes === 1) return "ok";
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

  allEvents(): RemediationEvent[] {
    return this.stmt.allEvents.all() as RemediationEvent[];
  }
}
