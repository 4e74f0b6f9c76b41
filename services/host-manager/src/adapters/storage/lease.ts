// The lease row in the shared database: who holds it, since when and until when (wall
// clock, for people), and a beat that every renewal raises. Every change is one
// IMMEDIATE transaction, so two managers racing for it cannot both win.
import type { Db } from "./database";

const LEASE = "health-check";

export interface LeaseRow {
  /** Null once released. */
  holder: string | null;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
  beat: number;
}

export class LeaseStore {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      read: db.prepare(
        `SELECT holder, acquired_at AS acquiredAt, renewed_at AS renewedAt,
           expires_at AS expiresAt, beat FROM lease WHERE name = ?`,
      ),
      insert: db.prepare(
        `INSERT INTO lease (name, holder, acquired_at, renewed_at, expires_at, beat)
         VALUES (?, ?, ?, ?, ?, 1)`,
      ),
      take: db.prepare(
        `UPDATE lease SET holder = ?, acquired_at = ?, renewed_at = ?, expires_at = ?,
           beat = beat + 1
         WHERE name = ? AND beat = ?`,
      ),
      renew: db.prepare(
        `UPDATE lease SET renewed_at = ?, expires_at = ?, beat = beat + 1
         WHERE name = ? AND holder = ?`,
      ),
      release: db.prepare(
        `UPDATE lease SET holder = NULL, expires_at = ?, beat = beat + 1
         WHERE name = ? AND holder = ?`,
      ),
    };
  }

  read(): LeaseRow | undefined {
    return this.stmt.read.get(LEASE) as LeaseRow | undefined;
  }

  /**
   * Takes the lease when nobody holds it, or when its beat is still `observedBeat` (the
   * holder has stopped renewing). False when someone else moved it first.
   */
  take(holder: string, now: number, ttlMs: number, observedBeat: number | null): boolean {
    return this.db
      .transaction(() => {
        const row = this.read();
        if (!row) {
          this.stmt.insert.run(LEASE, holder, now, now, now + ttlMs);
          return true;
        }
        if (row.holder !== null && row.beat !== observedBeat) return false;
        return this.stmt.take.run(holder, now, now, now + ttlMs, LEASE, row.beat).changes === 1;
      })
      .immediate();
  }

  /** Extends the lease; false when `holder` no longer holds it. */
  renew(holder: string, now: number, ttlMs: number): boolean {
    return this.stmt.renew.run(now, now + ttlMs, LEASE, holder).changes === 1;
  }

  /** Gives the lease up, so that a passive manager takes it at its next look. */
  release(holder: string, now: number): void {
    this.stmt.release.run(now, LEASE, holder);
  }
}
