// Remediations under way, written before their cloud call and closed after it, so that
// neither a crash nor a lost answer repeats or forgets one: begin() counts the attempt
// and starts the cooldown with the intent, in one transaction, before the call; the
// call's outcome closes it (complete, or undo when the API refused it outright). An
// intent still open when a manager starts is a call whose answer nobody saw: resumed as
// done, never made again.
import type { RemediationEvent } from "../../domain/host";
import {
  assignments,
  EVENT_COLUMNS,
  HOST_COLUMNS,
  insertLists,
  REMEDIATION_FIELDS,
  selectList,
} from "./columns";
import type { Db } from "./database";
import type { RemediationPatch } from "./hosts";

export interface RemediationIntent {
  readonly instanceId: string;
  /** The rung begun (reboot, replace); the call may have escalated it. */
  readonly action: string;
  readonly reason: string;
  readonly startedAt: number;
  /** The host's remediation fields before begin(): what undo() puts back. */
  readonly previous: RemediationPatch;
}

interface IntentRow {
  instanceId: string;
  action: string;
  reason: string;
  startedAt: number;
  prevState: RemediationPatch["remediationState"];
  prevAttempts: number;
  prevLastRemediationAt: number | null;
}

type Event = Omit<RemediationEvent, "instanceId">;

const EVENT_INSERT = insertLists(EVENT_COLUMNS);
const FIELDS = selectList(HOST_COLUMNS, REMEDIATION_FIELDS);

export class RemediationIntents {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      previous: db.prepare(`SELECT ${FIELDS} FROM hosts WHERE instance_id = ? AND version = ?`),
      current: db.prepare(`SELECT ${FIELDS} FROM hosts WHERE instance_id = ?`),
      // Against the version the plan was made on: a report since then changed the picture.
      begin: db.prepare(
        `UPDATE hosts SET ${assignments(HOST_COLUMNS, REMEDIATION_FIELDS)}, version = version + 1
         WHERE instance_id = @instanceId AND version = @version`,
      ),
      // The call was made (or may have been): no version check, a racing report changes nothing.
      write: db.prepare(
        `UPDATE hosts SET ${assignments(HOST_COLUMNS, REMEDIATION_FIELDS)}, version = version + 1
         WHERE instance_id = @instanceId`,
      ),
      insert: db.prepare(
        `INSERT OR REPLACE INTO remediation_intents (instance_id, action, reason, started_at,
           prev_state, prev_attempts, prev_last_remediation_at)
         VALUES (@instanceId, @action, @reason, @startedAt, @remediationState,
           @remediationAttempts, @lastRemediationAt)`,
      ),
      get: db.prepare(
        `SELECT instance_id AS instanceId, action, reason, started_at AS startedAt,
           prev_state AS prevState, prev_attempts AS prevAttempts,
           prev_last_remediation_at AS prevLastRemediationAt
         FROM remediation_intents WHERE instance_id = ?`,
      ),
      open: db.prepare(
        `SELECT instance_id AS instanceId, action, reason, started_at AS startedAt,
           prev_state AS prevState, prev_attempts AS prevAttempts,
           prev_last_remediation_at AS prevLastRemediationAt
         FROM remediation_intents ORDER BY started_at, instance_id`,
      ),
      remove: db.prepare(`DELETE FROM remediation_intents WHERE instance_id = ?`),
      event: db.prepare(
        `INSERT INTO remediation_events (${EVENT_INSERT.columns}) VALUES (${EVENT_INSERT.values})`,
      ),
    };
  }

  /**
   * Before the call: the attempt counted and the cooldown started (`patch`), with the
   * intent, if the host is still at `version`. False: it changed since the plan.
   */
  begin(
    instanceId: string,
    version: number,
    patch: RemediationPatch,
    intent: { action: string; reason: string; at: number },
  ): boolean {
    return this.db.transaction(() => {
      const previous = this.stmt.previous.get(instanceId, version) as RemediationPatch | undefined;
      if (!previous) return false;
      if (this.stmt.begin.run({ instanceId, version, ...patch }).changes !== 1) return false;
      this.stmt.insert.run({
        instanceId,
        action: intent.action,
        reason: intent.reason,
        startedAt: intent.at,
        ...previous,
      });
      return true;
    })();
  }

  /**
   * The call was made, or may have been (its answer lost): the intent closed, the host's
   * remediation fields as `patch` makes them from the current ones, with its history entry.
   */
  complete(
    instanceId: string,
    patch: (current: RemediationPatch) => RemediationPatch,
    event: Event,
  ): void {
    this.db.transaction(() => {
      const current = this.current(instanceId);
      if (current) this.stmt.write.run({ instanceId, ...patch(current) });
      this.stmt.remove.run(instanceId);
      this.stmt.event.run({ instanceId, ...event });
    })();
  }

  /** The API refused the call (it was not made): the count and cooldown taken back. */
  undo(instanceId: string, event: Event): void {
    this.db.transaction(() => {
      const intent = this.get(instanceId);
      if (intent) this.stmt.write.run({ instanceId, ...intent.previous });
      this.stmt.remove.run(instanceId);
      this.stmt.event.run({ instanceId, ...event });
    })();
  }

  get(instanceId: string): RemediationIntent | undefined {
    const row = this.stmt.get.get(instanceId) as IntentRow | undefined;
    return row && toIntent(row);
  }

  /** Oldest first. */
  open(): RemediationIntent[] {
    return (this.stmt.open.all() as IntentRow[]).map(toIntent);
  }

  private current(instanceId: string): RemediationPatch | undefined {
    return this.stmt.current.get(instanceId) as RemediationPatch | undefined;
  }
}

function toIntent(row: IntentRow): RemediationIntent {
  return {
    instanceId: row.instanceId,
    action: row.action,
    reason: row.reason,
    startedAt: row.startedAt,
    previous: {
      remediationState: row.prevState,
      remediationAttempts: row.prevAttempts,
      lastRemediationAt: row.prevLastRemediationAt,
    },
  };
}
