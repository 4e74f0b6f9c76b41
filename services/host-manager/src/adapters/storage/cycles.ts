// Health-check cycle records: what each run saw and did, kept for the API; and each
// cycle's counts, kept longer for the status page's chart.
import type { CycleCounts, CycleSummary } from "../../domain/cycle";
import type { Db } from "./database";

/** Whole cycles kept: their summaries list hosts, so they are large at 1,000 hosts. */
const KEEP_CYCLES = 200;
/** How long a cycle's counts are kept: the chart's longest window (7 days), and an hour. */
export const KEEP_COUNTS_MS = (7 * 24 + 1) * 3_600_000;

export class CycleStore {
  private readonly insert;
  private readonly prune;
  private readonly recent;
  private readonly counts;
  private readonly insertCounts;
  private readonly pruneCounts;
  private readonly addTx;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO cycles (started_at, finished_at, summary) VALUES (?, ?, ?)`,
    );
    this.prune = db.prepare(
      `DELETE FROM cycles WHERE id <= (SELECT MAX(id) FROM cycles) - ${KEEP_CYCLES}`,
    );
    this.recent = db.prepare(`SELECT summary FROM cycles ORDER BY id DESC LIMIT ?`);
    this.counts = db.prepare(
      `SELECT finished_at AS finishedAt, total, healthy, unhealthy, remediating, failed, outdated
       FROM cycle_counts WHERE finished_at >= ? ORDER BY finished_at`,
    );
    this.insertCounts = db.prepare(
      `INSERT INTO cycle_counts (finished_at, total, healthy, unhealthy, remediating, failed, outdated)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.pruneCounts = db.prepare(`DELETE FROM cycle_counts WHERE finished_at < ?`);
    this.addTx = db.transaction((summary: CycleSummary) => {
      this.insert.run(summary.startedAt, summary.finishedAt, JSON.stringify(summary));
      this.prune.run();
      const { finishedAt, total, healthy, unhealthy, remediating, failed } = summary;
      this.insertCounts.run(
        finishedAt,
        total,
        healthy,
        unhealthy,
        remediating,
        failed,
        summary.outdated ?? 0,
      );
      this.pruneCounts.run(finishedAt - KEEP_COUNTS_MS);
    });
  }

  add(summary: CycleSummary): void {
    this.addTx(summary);
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
