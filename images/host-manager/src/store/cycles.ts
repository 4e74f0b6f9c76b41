// Health-check cycle records: what each run saw and did, kept for the API.
import type { Db } from "./database";

export interface CycleAction {
  instanceId: string;
  action: "reboot" | "replace" | "mark-failed";
  reason: string;
  outcome: "ok" | "error" | "dry-run" | "skipped";
  error?: string;
  /** Why the action differs from the plan, e.g. a refused reboot escalated to a replace. */
  detail?: string;
}

export interface CycleSummary {
  startedAt: number;
  finishedAt: number;
  total: number;
  healthy: number;
  unhealthy: number;
  remediating: number;
  failed: number;
  maxUnhealthy: number;
  stormGuardOpen: boolean;
  dryRun: boolean;
  inventory: { added: number; archived: number; restored: number; error?: string };
  actions: CycleAction[];
  recovered: string[];
  /** Which hosts were unhealthy and why: what an operator needs when the guard trips. */
  unhealthyHosts: { instanceId: string; reason: string }[];
  error?: string;
}

/** A cycle's counts alone: what the status page's chart needs, without the actions and lists. */
export interface CycleCounts {
  finishedAt: number;
  total: number;
  healthy: number;
  unhealthy: number;
  remediating: number;
  failed: number;
}

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
         json_extract(summary, '$.failed') AS failed
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
