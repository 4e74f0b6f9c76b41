// The removals the health check asked ESS for and ESS has not yet accepted (remove
// mode): a refused or unanswered RemoveInstances leaves them here, and every cycle tries
// them again, so a removal is never lost between a decision and ESS taking it.
import type { Db } from "./database";

/** Who asked: the remediation ladder (a replace), or the rollout (an outdated host). */
export type RemovalOrigin = "ladder" | "rollout";

export interface PendingRemoval {
  instanceId: string;
  origin: RemovalOrigin;
  reason: string;
  detail: string | null;
  requestedAt: number;
  /** RemoveInstances calls that included it and were not accepted. */
  tries: number;
  lastError: string | null;
  /** Set while a request for it may have reached ESS unanswered: resend it as it was. */
  clientToken: string | null;
}

export type NewRemoval = Pick<
  PendingRemoval,
  "instanceId" | "origin" | "reason" | "detail" | "requestedAt"
>;

const COLUMNS = `instance_id AS instanceId, origin, reason, detail, requested_at AS requestedAt,
  tries, last_error AS lastError, client_token AS clientToken`;

export class RemovalQueue {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      add: db.prepare(
        `INSERT OR IGNORE INTO pending_removals (instance_id, origin, reason, detail, requested_at)
         VALUES (@instanceId, @origin, @reason, @detail, @requestedAt)`,
      ),
      list: db.prepare(
        `SELECT ${COLUMNS} FROM pending_removals ORDER BY requested_at, instance_id`,
      ),
      token: db.prepare(`UPDATE pending_removals SET client_token = ? WHERE instance_id = ?`),
      unanswered: db.prepare(
        `UPDATE pending_removals SET tries = tries + 1, last_error = ? WHERE instance_id = ?`,
      ),
      refused: db.prepare(
        `UPDATE pending_removals SET tries = tries + 1, last_error = ?, client_token = NULL
         WHERE instance_id = ?`,
      ),
      remove: db.prepare(`DELETE FROM pending_removals WHERE instance_id = ?`),
    };
  }

  /** Queues a removal; false if the instance already has one. */
  add(removal: NewRemoval): boolean {
    return this.stmt.add.run(removal).changes === 1;
  }

  /** Oldest first. */
  list(): PendingRemoval[] {
    return this.stmt.list.all() as PendingRemoval[];
  }

  /** Before a call: the token it is sent with, so that a restart resends the same request. */
  sending(instanceIds: readonly string[], clientToken: string): void {
    this.each(instanceIds, (id) => this.stmt.token.run(clientToken, id));
  }

  /**
   * Not accepted: counted, with the error. `keepToken` when there was no answer (the
   * request may have been carried out), so that it is resent as it was.
   */
  notAccepted(instanceIds: readonly string[], error: string, keepToken: boolean): void {
    const statement = keepToken ? this.stmt.unanswered : this.stmt.refused;
    this.each(instanceIds, (id) => statement.run(error, id));
  }

  /** Accepted by ESS, or moot (the host left the group, or no longer needs replacing). */
  delete(instanceIds: readonly string[]): void {
    this.each(instanceIds, (id) => this.stmt.remove.run(id));
  }

  private each(instanceIds: readonly string[], fn: (id: string) => void): void {
    this.db.transaction(() => instanceIds.forEach(fn))();
  }
}
