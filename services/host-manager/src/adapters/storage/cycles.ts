// Health-check cycle records: what each run saw and did, kept for the API.
import type { CycleCounts, CycleSummary } from "../../domain/cycle";
import type { Db } from "./database";

const KEEP_CYCLES = 200;

export class CycleStore {
  private readonly insert;
  private readonly prune;
  private readonly recent;
  private readonly counts;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO cycles (started_at, finished_at, summary) VALUES (?, ?, ?)`,
    );
    this.prune = db.prepare(
      `DELETE FROM cycles WHERE id <= (SELECT MAX(id) FROM cycles) - ${KEEP_CYCLES}`,
    );
    this.recent = db.prepare(`SELECT summary FROM cycles ORDER BY id DESC LIMIT ?`);
    // json_extract in SQLite: a chart over 200 cycles of a 1,000-host fleet should not
    // parse 200 lists of unhealthy hosts.
    this.counts = db.prepare(
      `SELECT finished_at AS finishedAt,
         json_extract(summary, '$.total') AS total,
         json_extract(summary, '$.healthy') AS healthy,
         json_extract(summary, '$.unhealthy') AS unhealthy,
         json_extract(summary, '$.remediating') AS remediating,
         json_extract(summary, '$.failed') AS failed,
         coalesce(json_extract(summary, '$.outdated'), 0) AS outdated
       FROM cycles WHERE finished_at >= ? ORDER BY id`,
    );
  }

  add(summary: CycleSummary): void {
    this.insert.run(summary.startedAt, summary.finishedAt, JSON.stringify(summary));
    this.prune.run();
  }

  /** Oldest first, the cycles that finished at or after `since`. */
  countsSince(since: number): CycleCounts[] {
    return this.counts.all(since) as CycleCounts[];
  }

  /** Newest first. */
  latest(limit: number): CycleSummary[] {
    return (this.recent.all(limit) as { summary: string }[]).map(
      (row) => JSON.parse(row.summary) as CycleSummary,
    );
  }
}
