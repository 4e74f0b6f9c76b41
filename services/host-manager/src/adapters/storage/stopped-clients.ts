// The hosts whose client a fleet job stopped on purpose (a `stop-client` task that
// succeeded, with no later successful `restart-client`), and when that task finished:
// such a host reports its client exited, which is what the operator asked for, not a
// client that fails to restart (domain/assessment.ts).
import type { Db } from "./database";

export class StoppedClients {
  private readonly latest;

  constructor(db: Db) {
    // The newest successful client task of each host, kept only when it is a stop.
    this.latest = db.prepare(
      `SELECT instance_id AS instanceId, finished_at AS finishedAt FROM (
         SELECT t.instance_id, t.finished_at, j.action,
           ROW_NUMBER() OVER (PARTITION BY t.instance_id ORDER BY t.finished_at DESC, t.id DESC) AS n
         FROM job_tasks t JOIN jobs j ON j.id = t.job_id
         WHERE t.state = 'success' AND j.action IN ('stop-client', 'restart-client')
       ) WHERE n = 1 AND action = 'stop-client'`,
    );
  }

  /** Instance id → when its client was stopped. */
  now(): Map<string, number> {
    const rows = this.latest.all() as { instanceId: string; finishedAt: number }[];
    return new Map(rows.map((row) => [row.instanceId, row.finishedAt]));
  }
}
