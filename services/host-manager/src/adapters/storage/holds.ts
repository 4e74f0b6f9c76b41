// The fleet's freeze and the rollout's pause in the database, so a restart keeps them.
import type { FleetFreeze, RolloutPause } from "../../domain/freeze";
import type { Db } from "./database";

interface HoldRow {
  by: string;
  reason: string;
  startedAt: number;
  endsAt: number | null;
}

export class HoldStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      read: db.prepare(
        `SELECT held_by AS by, reason, started_at AS startedAt, ends_at AS endsAt
         FROM fleet_holds WHERE kind = ?`,
      ),
      put: db.prepare(
        `INSERT INTO fleet_holds (kind, held_by, reason, started_at, ends_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (kind) DO UPDATE SET held_by = excluded.held_by,
           reason = excluded.reason, started_at = excluded.started_at, ends_at = excluded.ends_at`,
      ),
      delete: db.prepare(`DELETE FROM fleet_holds WHERE kind = ?`),
    };
  }

  /** The freeze last set, ended or not (isFrozen says whether it still holds). */
  freeze(): FleetFreeze | null {
    const row = this.stmt.read.get("freeze") as HoldRow | undefined;
    if (!row || row.endsAt === null) return null;
    return { by: row.by, reason: row.reason, startedAt: row.startedAt, endsAt: row.endsAt };
  }

  setFreeze(freeze: FleetFreeze): void {
    this.stmt.put.run("freeze", freeze.by, freeze.reason, freeze.startedAt, freeze.endsAt);
  }

  /** Ends the freeze; false when there was none. */
  clearFreeze(): boolean {
    return this.stmt.delete.run("freeze").changes > 0;
  }

  rolloutPause(): RolloutPause | null {
    const row = this.stmt.read.get("rollout-pause") as HoldRow | undefined;
    return row ? { by: row.by, reason: row.reason, pausedAt: row.startedAt } : null;
  }

  pauseRollout(pause: RolloutPause): void {
    this.stmt.put.run("rollout-pause", pause.by, pause.reason, pause.pausedAt, null);
  }

  /** Resumes the rollout; false when it was not paused. */
  resumeRollout(): boolean {
    return this.stmt.delete.run("rollout-pause").changes > 0;
  }
}
