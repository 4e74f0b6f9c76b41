// Slots: the places in the scaling group that a replace hands on from one host to the
// next, so that a slot whose new hosts never come up (a bad image, an instance type
// that will not boot) is seen as one failing place and given up on, not replaced
// forever one new instance id at a time. ESS does not say which instance replaced
// which: a replace leaves a handoff, and each instance the inventory adds takes up the
// oldest one still open.
import type { Db } from "./database";

/** Who replaced: the remediation ladder, or the rollout (an outdated host). */
export type HandoffOrigin = "ladder" | "rollout";

export interface FailedSlot {
  readonly instanceId: string;
  readonly slot: string;
  readonly failedAt: number;
  readonly reason: string;
}

export class SlotRegistry {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      slotOf: db.prepare(`SELECT slot, strikes FROM host_slots WHERE instance_id = ?`),
      handOff: db.prepare(
        `INSERT OR IGNORE INTO slot_handoffs (from_instance, slot, origin, strikes, at)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      oldestOpen: db.prepare(
        `SELECT from_instance AS fromInstance, slot, strikes FROM slot_handoffs
         WHERE to_instance IS NULL ORDER BY at, from_instance LIMIT 1`,
      ),
      takeUp: db.prepare(`UPDATE slot_handoffs SET to_instance = ? WHERE from_instance = ?`),
      place: db.prepare(
        `INSERT OR REPLACE INTO host_slots (instance_id, slot, strikes) VALUES (?, ?, ?)`,
      ),
      strikes: db.prepare(
        `SELECT s.instance_id AS instanceId, s.strikes FROM host_slots s
         JOIN hosts h ON h.instance_id = s.instance_id
         WHERE h.archived_at IS NULL AND s.strikes > 0`,
      ),
      since: db.prepare(`SELECT COUNT(*) FROM slot_handoffs WHERE origin = ? AND at >= ?`),
      fail: db.prepare(
        `INSERT INTO host_slots (instance_id, slot, strikes, failed_at, failed_reason)
         VALUES (@instanceId, @instanceId, 0, @at, @reason)
         ON CONFLICT (instance_id) DO UPDATE SET failed_at = @at, failed_reason = @reason`,
      ),
      failed: db.prepare(
        `SELECT s.instance_id AS instanceId, s.slot, s.failed_at AS failedAt,
           s.failed_reason AS reason
         FROM host_slots s JOIN hosts h ON h.instance_id = s.instance_id
         WHERE h.archived_at IS NULL AND s.failed_at IS NOT NULL ORDER BY s.failed_at`,
      ),
    };
  }

  /** The host's slot and its strikes; a host no replace led to is a slot of its own. */
  slotOf(instanceId: string): { slot: string; strikes: number } {
    const row = this.stmt.slotOf.get(instanceId) as { slot: string; strikes: number } | undefined;
    return row ?? { slot: instanceId, strikes: 0 };
  }

  /**
   * The host was replaced: its slot goes to the next new instance, with a strike more if
   * it never came up, none if it did. Once per host.
   */
  handOff(instanceId: string, origin: HandoffOrigin, neverCameUp: boolean, at: number): void {
    const { slot, strikes } = this.slotOf(instanceId);
    this.stmt.handOff.run(instanceId, slot, origin, neverCameUp ? strikes + 1 : 0, at);
  }

  /** New instances in the group take up the oldest open handoffs, one each. */
  assign(added: readonly string[]): void {
    if (added.length === 0) return;
    this.db.transaction(() => {
      for (const instanceId of added) {
        const open = this.stmt.oldestOpen.get() as
          { fromInstance: string; slot: string; strikes: number } | undefined;
        if (!open) return;
        this.stmt.takeUp.run(instanceId, open.fromInstance);
        this.stmt.place.run(instanceId, open.slot, open.strikes);
      }
    })();
  }

  /** Active hosts with strikes: how many hosts in a row before them never came up. */
  strikes(): Map<string, number> {
    const rows = this.stmt.strikes.all() as { instanceId: string; strikes: number }[];
    return new Map(rows.map((row) => [row.instanceId, row.strikes]));
  }

  /** Replaces `origin` made since `at` (handed off: made, or accepted by ESS). */
  replacementsSince(origin: HandoffOrigin, at: number): number {
    return this.stmt.since.pluck().get(origin, at) as number;
  }

  /** The breaker opened on the host's slot: it is left alone, and says why. */
  markFailed(instanceId: string, reason: string, at: number): void {
    this.stmt.fail.run({ instanceId, reason, at });
  }

  /** Failed slots with their host still in the group, oldest first. */
  failed(): FailedSlot[] {
    return this.stmt.failed.all() as FailedSlot[];
  }
}
