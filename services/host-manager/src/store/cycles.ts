// Health-check cycle records: what each run saw and did, kept for the API.
import type { Db } from "./database";

export interface CycleAction {
  instanceId: string;
  /** `rollout-replace`: a healthy host of an older generation, replaced by the rollout. */
  action: "reboot" | "replace" | "mark-failed" | "rollout-replace";
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
  /**
   * Judged hosts tagged with a generation other than the current one (0 with no rollout);
   * absent from cycles recorded before rollouts existed.
   */
  outdated?: number;
  maxUnhealthy: number;
  stormGuardOpen: boolean;
  dryRun: boolean;
  /** The rollout's figures; absent when no fleet generation is configured. */
  rollout?: CycleRollout;
  inventory: { added: number; archived: number; restored: number; error?: string };
  actions: CycleAction[];
  recovered: string[];
  /** Which hosts were unhealthy and why: what an operator needs when the guard trips. */
  unhealthyHosts: { instanceId: string; reason: string }[];
  error?: string;
}

export interface CycleRollout {
  generation: string;
  minHealthyPercentage: number;
  /** Judged hosts running their client and healthy, and the floor kept under them. */
  healthy: number;
  minHealthy: number;
  /** Rolled-out hosts still in the group. */
  inFlight: number;
  /** Replacements the healthy floor allowed this cycle. */
  budget: number;
  /** Why none were made although hosts are outdated (the storm guard, an inventory failure). */
  held?: "storm-guard" | "inventory-error";
}

/** A cycle's counts alone: what the status page's chart needs, without the actions and lists. */
export interface CycleCounts {
  finishedAt: number;
  total: number;
  healthy: number;
  unhealthy: number;
  remediating: number;
  failed: number;
  outdated: number;
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
