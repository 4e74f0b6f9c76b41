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

const KEEP_CYCLES = 200;

export class CycleStore {
  private readonly insert;
  private readonly prune;
  private readonly recent;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO cycles (started_at, finished_at, summary) VALUES (?, ?, ?)`,
    );
    this.prune = db.prepare(
      `DELETE FROM cycles WHERE id <= (SELECT MAX(id) FROM cycles) - ${KEEP_CYCLES}`,
    );
    this.recent = db.prepare(`SELECT summary FROM cycles ORDER BY id DESC LIMIT ?`);
  }

  add(summary: CycleSummary): void {
    this.insert.run(summary.startedAt, summary.finishedAt, JSON.stringify(summary));
    this.prune.run();
  }

  /** Newest first. */
  latest(limit: number): CycleSummary[] {
    return (this.recent.all(limit) as { summary: string }[]).map(
      (row) => JSON.parse(row.summary) as CycleSummary,
    );
  }
}
