// Status-page sessions on the server's side: the id (the cookie's nonce) of each live
// session and when it ends. A session is live only while its row is, so signing out
// (deleting it) ends it at once, and the expiry is the server's, not the cookie's.
// Each belongs to an operator, whose revocation ends it too (see http/operator-auth.ts).
import type { Db } from "./database";

export class SessionStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      add: db.prepare(`INSERT INTO sessions (id, expires_at, operator) VALUES (?, ?, ?)`),
      live: db.prepare(`SELECT 1 FROM sessions WHERE id = ? AND expires_at > ?`).pluck(),
      operatorOf: db
        .prepare<[string, number], string>(
          `SELECT operator FROM sessions WHERE id = ? AND expires_at > ? AND operator <> ''`,
        )
        .pluck(),
      revoke: db.prepare(`DELETE FROM sessions WHERE id = ?`),
      prune: db.prepare(`DELETE FROM sessions WHERE expires_at <= ?`),
      cap: db.prepare(`UPDATE sessions SET expires_at = ? WHERE expires_at > ?`),
    };
  }

  /** Records a new session; ended ones go at the same time, so the table stays small. */
  add(id: string, expiresAt: number, now: number, operator: string): void {
    this.stmt.prune.run(now);
    this.stmt.add.run(id, expiresAt, operator);
  }

  /** The operator a live session belongs to. */
  operatorOf(id: string, now: number): string | undefined {
    return this.stmt.operatorOf.get(id, now);
  }

  isLive(id: string, now: number): boolean {
    return this.stmt.live.get(id, now) !== undefined;
  }

  /**
   * Ends every session at `latest` at the latest. A session begun under a clock since set
   * back would otherwise outlive its TTL by the step; the service passes now + TTL.
   */
  capExpiry(latest: number): void {
    this.stmt.cap.run(latest, latest);
  }

  revoke(id: string): void {
    this.stmt.revoke.run(id);
  }
}
