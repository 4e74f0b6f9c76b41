// The audit log: every operator action (who, what, on what, when, why, how it went),
// appended and never edited. Read newest first, a bounded page at a time.
import type { Db } from "./database";

export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  /** The operator's name, or `cli:<OS user>` for the command line. */
  readonly who: string;
  /** What was done: `operators.add`, `fleet.freeze`, ... */
  readonly action: string;
  readonly target: string | null;
  readonly reason: string | null;
  /** `ok`, `refused`, `failed: <why>`, ... */
  readonly outcome: string;
}

export type NewAuditEntry = Omit<AuditEntry, "id">;

/** The most entries one read returns. */
export const AUDIT_PAGE_MAX = 200;

export class AuditStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      add: db.prepare(
        `INSERT INTO audit_log (at, who, action, target, reason, outcome) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      page: db.prepare<[number, number], AuditEntry>(
        `SELECT id, at, who, action, target, reason, outcome FROM audit_log
          WHERE id < ? ORDER BY id DESC LIMIT ?`,
      ),
    };
  }

  append(entry: NewAuditEntry): number {
    const { at, who, action, target, reason, outcome } = entry;
    return Number(this.stmt.add.run(at, who, action, target, reason, outcome).lastInsertRowid);
  }

  /**
   * Newest first, entries older than `before` (an id), at most `limit`, capped at one
   * more than a page: a reader asks for that one to know whether another page follows.
   */
  newest(limit: number, before = Number.MAX_SAFE_INTEGER): AuditEntry[] {
    const bounded = Math.max(1, Math.min(AUDIT_PAGE_MAX + 1, Math.floor(limit)));
    return this.stmt.page.all(before, bounded);
  }
}
