// Fleet jobs and their tasks in SQLite. Every change is one transaction, committed
// (synchronous=FULL, see database.ts) before the caller answers anyone: an accepted
// submission, an accept or a result is on disk when the HTTP reply says so, as a report
// is. A task is reserved by one host once: the accept is an UPDATE on the version the
// host was offered and the state ready, so of two accepts (or two hosts) one wins.
import type { JobAction } from "../../domain/jobs/actions";
import { actionFailed } from "../../domain/jobs/retcode";
import type { HostSelector } from "../../domain/jobs/selector";
import {
  SERVICE_ENDINGS,
  TASK_STATES,
  type Task,
  type TaskOffer,
  type TaskState,
} from "../../domain/jobs/task";
import type { Db } from "./database";

export interface NewJob {
  readonly action: JobAction;
  readonly selector: HostSelector;
  readonly submittedBy: string;
  readonly reason: string;
  readonly concurrency: number;
  readonly timeToRunMs: number;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  readonly deadlineAt: number | null;
  readonly runDuringFreeze: boolean;
}

export interface JobRecord extends NewJob {
  readonly id: number;
  readonly submittedAt: number;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
  readonly finishedAt: number | null;
  /** Tasks by state (every state present, zero where none). */
  readonly counts: Record<TaskState, number> & { total: number };
}

export type AcceptOutcome =
  | { readonly outcome: "accepted"; readonly version: number }
  | { readonly outcome: "conflict" }
  | { readonly outcome: "not-found" }
  | { readonly outcome: "held" };

export type ProgressOutcome =
  | { readonly outcome: "ok"; readonly revoked: boolean }
  | { readonly outcome: "conflict" }
  | { readonly outcome: "not-found" };

export interface HostResult {
  readonly resp: "success" | "failed";
  /** The host's own code for a failure (1-255), carried in ACTION_FAILED's low byte. */
  readonly code?: number;
  readonly message: string | null;
  readonly data: string | null;
}

export type ResultOutcome =
  | { readonly outcome: "recorded"; readonly state: TaskState }
  | { readonly outcome: "conflict" }
  | { readonly outcome: "not-found" };

/** What the freeze says of a job at a time: held, unless it runs during a freeze. */
export type FreezeCheck = () => boolean;

interface JobRow {
  id: number;
  action: string;
  params: string;
  selector: string;
  submitted_by: string;
  reason: string;
  submitted_at: number;
  concurrency: number;
  ttr_ms: number;
  max_attempts: number;
  retry_delay_ms: number;
  deadline_at: number | null;
  run_during_freeze: number;
  revoked_at: number | null;
  revoked_by: string | null;
  finished_at: number | null;
}

interface TaskRow {
  id: number;
  job_id: number;
  instance_id: string;
  state: TaskState;
  version: number;
  attempts: number;
  due_at: number | null;
  ttr_from: number | null;
  reserved_at: number | null;
  finished_at: number | null;
  retcode: number | null;
  message: string | null;
  data: string | null;
  progress: string | null;
}

const TASK_COLUMNS = `id, job_id, instance_id, state, version, attempts, due_at, ttr_from,
  reserved_at, finished_at, retcode, message, data, progress`;

function taskOf(row: TaskRow): Task {
  return {
    id: row.id,
    jobId: String(row.job_id),
    instanceId: row.instance_id,
    state: row.state,
    version: row.version,
    attempts: row.attempts,
    dueAt: row.due_at,
    reservedAt: row.reserved_at,
    heardAt: row.state === "reserved" ? row.ttr_from : null,
    finishedAt: row.finished_at,
    retcode: row.retcode,
    message: row.message,
    data: row.data,
    progress: row.progress,
  };
}

/** The most jobs one page of the list holds. */
export const JOBS_PAGE_MAX = 100;
/** The most tasks one page of a job holds. */
export const TASKS_PAGE_MAX = 500;

export class JobStore {
  private readonly stmt;

  /** Hosts offered a task by the transaction under way; told once it commits. */
  private offered: string[] = [];

  /**
   * `onOffered` hears, after each commit, the hosts that were offered a task in it (a
   * long-polling host is woken by it).
   */
  constructor(
    private readonly db: Db,
    private readonly onOffered: (instanceIds: readonly string[]) => void = () => {},
  ) {
    this.stmt = {
      insertJob: db.prepare(
        `INSERT INTO jobs (action, params, selector, submitted_by, reason, submitted_at,
           concurrency, ttr_ms, max_attempts, retry_delay_ms, deadline_at, run_during_freeze)
         VALUES (@action, @params, @selector, @submittedBy, @reason, @now, @concurrency,
           @ttrMs, @maxAttempts, @retryDelayMs, @deadlineAt, @runDuringFreeze)`,
      ),
      insertTask: db.prepare(
        `INSERT INTO job_tasks (job_id, instance_id, state) VALUES (?, ?, 'pending')`,
      ),
      insertEnded: db.prepare(
        `INSERT INTO job_tasks (job_id, instance_id, state, finished_at, retcode, message)
         VALUES (?, ?, 'failed', ?, ?, ?)`,
      ),
      job: db.prepare(`SELECT * FROM jobs WHERE id = ?`),
      jobsPage: db.prepare(`SELECT * FROM jobs WHERE id < ? ORDER BY id DESC LIMIT ?`),
      unfinished: db.prepare(`SELECT * FROM jobs WHERE finished_at IS NULL ORDER BY id`),
      counts: db
        .prepare(`SELECT state, COUNT(*) FROM job_tasks WHERE job_id = ? GROUP BY state`)
        .raw(true),
      open: db
        .prepare(
          `SELECT COUNT(*) FROM job_tasks WHERE job_id = ?
           AND state IN ('pending', 'ready', 'reserved', 'delayed')`,
        )
        .pluck(),
      inFlight: db
        .prepare(
          `SELECT COUNT(*) FROM job_tasks WHERE job_id = ? AND state IN ('ready', 'reserved')`,
        )
        .pluck(),
      tasksPage: db.prepare(
        `SELECT ${TASK_COLUMNS} FROM job_tasks WHERE job_id = ? AND instance_id > ?
         ORDER BY instance_id LIMIT ?`,
      ),
      task: db.prepare(`SELECT ${TASK_COLUMNS} FROM job_tasks WHERE id = ?`),
      taskOf: db.prepare(
        `SELECT ${TASK_COLUMNS} FROM job_tasks WHERE job_id = ? AND instance_id = ?`,
      ),
      // Due retries first, then pending ones in the order they were made.
      promote: db
        .prepare(
          `UPDATE job_tasks SET state = 'ready', version = version + 1, ttr_from = @now,
           due_at = NULL
         WHERE id IN (SELECT id FROM job_tasks WHERE job_id = @jobId
           AND (state = 'pending' OR (state = 'delayed' AND due_at <= @now))
           ORDER BY state = 'pending', id LIMIT @room)
         RETURNING instance_id`,
        )
        .pluck(),
      // Held by a freeze: offered tasks go back to wait (no attempt lost to the freeze).
      unoffer: db.prepare(
        `UPDATE job_tasks SET state = 'pending', version = version + 1, ttr_from = NULL
         WHERE job_id = ? AND state = 'ready'`,
      ),
      endUnstarted: db.prepare(
        `UPDATE job_tasks SET state = @state, version = version + 1, finished_at = @now,
           retcode = @retcode, message = @message, ttr_from = NULL, due_at = NULL
         WHERE job_id = @jobId AND state IN ('pending', 'ready', 'delayed')`,
      ),
      endLeftHosts: db.prepare(
        `UPDATE job_tasks SET state = 'failed', version = version + 1, finished_at = @now,
           retcode = @retcode, message = @message, ttr_from = NULL, due_at = NULL
         WHERE job_id = @jobId AND state IN ('pending', 'ready', 'delayed')
           AND instance_id IN (SELECT instance_id FROM hosts WHERE archived_at IS NOT NULL)`,
      ),
      // Quiet past the time-to-run: reserved ones return to ready while attempts are left;
      // offered ones never taken count an attempt and wait for their retry.
      expired: db.prepare(
        `SELECT t.id, t.state, t.attempts, j.max_attempts, j.retry_delay_ms
         FROM job_tasks t JOIN jobs j ON j.id = t.job_id
         WHERE t.state IN ('ready', 'reserved') AND t.ttr_from + j.ttr_ms <= ?`,
      ),
      requeue: db.prepare(
        `UPDATE job_tasks SET state = 'ready', version = version + 1, ttr_from = ?,
           reserved_at = NULL, progress = NULL
         WHERE id = ?`,
      ),
      delay: db.prepare(
        `UPDATE job_tasks SET state = 'delayed', version = version + 1, due_at = ?,
           ttr_from = NULL, reserved_at = NULL, attempts = ?, retcode = ?, message = ?
         WHERE id = ?`,
      ),
      bury: db.prepare(
        `UPDATE job_tasks SET state = 'buried', version = version + 1, finished_at = ?,
           ttr_from = NULL, attempts = ?, retcode = ?, message = ?, data = ?
         WHERE id = ?`,
      ),
      succeed: db.prepare(
        `UPDATE job_tasks SET state = 'success', version = version + 1, finished_at = ?,
           ttr_from = NULL, retcode = 0, message = ?, data = ?
         WHERE id = ?`,
      ),
      finishJob: db.prepare(`UPDATE jobs SET finished_at = ? WHERE id = ? AND finished_at IS NULL`),
      revokeJob: db.prepare(
        `UPDATE jobs SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
      ),
      // The host's own ready tasks, oldest job first.
      nextReady: db.prepare(
        `SELECT t.id, t.job_id, t.version, t.attempts, j.action, j.params, j.ttr_ms,
           j.run_during_freeze
         FROM job_tasks t JOIN jobs j ON j.id = t.job_id
         WHERE t.instance_id = ? AND t.state = 'ready' ORDER BY t.id`,
      ),
      accept: db.prepare(
        `UPDATE job_tasks SET state = 'reserved', version = version + 1,
           attempts = attempts + 1, reserved_at = @now, ttr_from = @now
         WHERE id = @id AND instance_id = @instanceId AND version = @version
           AND state = 'ready'`,
      ),
      heard: db.prepare(
        `UPDATE job_tasks SET ttr_from = ?, progress = ?
         WHERE id = ? AND instance_id = ? AND version = ? AND state = 'reserved'`,
      ),
    };
  }

  /** The job and its tasks (named ids not in the fleet failed at once), committed. */
  create(
    job: NewJob,
    hosts: readonly string[],
    unknownHosts: readonly string[],
    now: number,
    held: boolean,
  ): JobRecord {
    const id = this.write(() => {
      const jobId = Number(
        this.stmt.insertJob.run({
          action: job.action.action,
          params: JSON.stringify(job.action.params),
          selector: JSON.stringify(job.selector),
          submittedBy: job.submittedBy,
          reason: job.reason,
          now,
          concurrency: job.concurrency,
          ttrMs: job.timeToRunMs,
          maxAttempts: job.maxAttempts,
          retryDelayMs: job.retryDelayMs,
          deadlineAt: job.deadlineAt,
          runDuringFreeze: job.runDuringFreeze ? 1 : 0,
        }).lastInsertRowid,
      );
      for (const host of hosts) this.stmt.insertTask.run(jobId, host);
      const { retcode, message } = SERVICE_ENDINGS.noSuchHost;
      for (const host of unknownHosts) {
        this.stmt.insertEnded.run(jobId, host, now, retcode, message);
      }
      this.advance(this.row(jobId), now, held);
      return jobId;
    })();
    return this.job(id) as JobRecord;
  }

  job(id: number): JobRecord | undefined {
    const row = this.stmt.job.get(id) as JobRow | undefined;
    return row && this.recordOf(row);
  }

  /** Newest first, `limit` at most, before job id `before` when given. */
  page(limit: number, before?: number): JobRecord[] {
    const rows = this.stmt.jobsPage.all(before ?? Number.MAX_SAFE_INTEGER, limit) as JobRow[];
    return rows.map((row) => this.recordOf(row));
  }

  /** A job's tasks in instance-id order, after `after`. */
  tasks(jobId: number, after: string | null, limit: number): Task[] {
    return (this.stmt.tasksPage.all(jobId, after ?? "", limit) as TaskRow[]).map(taskOf);
  }

  /** One host's part of a job. */
  taskOf(jobId: number, instanceId: string): Task | undefined {
    const row = this.stmt.taskOf.get(jobId, instanceId) as TaskRow | undefined;
    return row && taskOf(row);
  }

  task(id: number): Task | undefined {
    const row = this.stmt.task.get(id) as TaskRow | undefined;
    return row && taskOf(row);
  }

  /**
   * Cancels what has not started: pending, ready and delayed tasks are revoked, reserved
   * ones run on (their hosts see the revocation in a progress reply). Undefined for no
   * such job; the count of tasks revoked otherwise.
   */
  revoke(jobId: number, by: string, now: number): number | undefined {
    return this.write(() => {
      const row = this.row(jobId);
      if (!row) return undefined;
      this.stmt.revokeJob.run(now, by, jobId);
      const { retcode, message } = SERVICE_ENDINGS.revoked;
      const revoked = this.stmt.endUnstarted.run({
        jobId,
        now,
        state: "revoked",
        retcode,
        message,
      }).changes;
      this.finishIfDone(jobId, now);
      return revoked;
    })();
  }

  /**
   * Moves every unfinished job on at `now`: tasks quiet past their time-to-run, a passed
   * deadline, hosts that left, due retries, and the next batch of the job (unless the
   * freeze holds it). One transaction; it writes nothing when nothing is due.
   */
  sweep(now: number, frozen: boolean): void {
    this.write(() => {
      for (const expired of this.stmt.expired.all(now) as {
        id: number;
        state: TaskState;
        attempts: number;
        max_attempts: number;
        retry_delay_ms: number;
      }[]) {
        const { retcode, message } = SERVICE_ENDINGS.timedOut;
        // Reserved: its attempt was counted at accept. Offered and never taken: count one.
        const attempts = expired.attempts + (expired.state === "ready" ? 1 : 0);
        if (attempts >= expired.max_attempts) {
          this.stmt.bury.run(now, attempts, retcode, message, null, expired.id);
        } else if (expired.state === "reserved") {
          this.stmt.requeue.run(now, expired.id);
        } else {
          this.stmt.delay.run(now + expired.retry_delay_ms, attempts, retcode, message, expired.id);
        }
      }
      for (const row of this.stmt.unfinished.all() as JobRow[]) this.advance(row, now, frozen);
    })();
  }

  /** The oldest ready task of this host whose job the freeze does not hold. */
  next(instanceId: string, frozen: boolean): TaskOffer | undefined {
    const rows = this.stmt.nextReady.all(instanceId) as {
      id: number;
      job_id: number;
      version: number;
      attempts: number;
      action: string;
      params: string;
      ttr_ms: number;
      run_during_freeze: number;
    }[];
    const row = rows.find((r) => !frozen || r.run_during_freeze === 1);
    if (!row) return undefined;
    return {
      taskId: row.id,
      jobId: String(row.job_id),
      version: row.version,
      action: row.action as TaskOffer["action"],
      params: JSON.parse(row.params) as unknown,
      timeToRunSeconds: row.ttr_ms / 1000,
      attempt: row.attempts + 1,
    };
  }

  /** Reserves the task for its host if it is still the version offered, ready, and allowed. */
  accept(
    taskId: number,
    instanceId: string,
    version: number,
    now: number,
    frozen: boolean,
  ): AcceptOutcome {
    return this.write((): AcceptOutcome => {
      const task = this.stmt.task.get(taskId) as TaskRow | undefined;
      if (!task || task.instance_id !== instanceId) return { outcome: "not-found" };
      const job = this.row(task.job_id) as JobRow;
      if (frozen && job.run_during_freeze !== 1) return { outcome: "held" };
      if (job.deadline_at !== null && now >= job.deadline_at) return { outcome: "held" };
      const changed = this.stmt.accept.run({ id: taskId, instanceId, version, now }).changes;
      return changed === 1
        ? { outcome: "accepted", version: version + 1 }
        : { outcome: "conflict" };
    })();
  }

  /** The host is still at it: its time-to-run starts again. Says whether the job was revoked. */
  progress(
    taskId: number,
    instanceId: string,
    version: number,
    note: string | null,
    now: number,
  ): ProgressOutcome {
    const task = this.stmt.task.get(taskId) as TaskRow | undefined;
    if (!task || task.instance_id !== instanceId) return { outcome: "not-found" };
    const changed = this.stmt.heard.run(now, note, taskId, instanceId, version).changes;
    if (changed !== 1) return { outcome: "conflict" };
    return { outcome: "ok", revoked: this.row(task.job_id)?.revoked_at != null };
  }

  /**
   * The host's result for the task it holds: success ends it; a failure waits for its
   * retry while attempts are left (unless the job was revoked), else is buried.
   */
  result(
    taskId: number,
    instanceId: string,
    version: number,
    result: HostResult,
    now: number,
    frozen: boolean,
  ): ResultOutcome {
    return this.write((): ResultOutcome => {
      const task = this.stmt.task.get(taskId) as TaskRow | undefined;
      if (!task || task.instance_id !== instanceId) return { outcome: "not-found" };
      if (task.state !== "reserved" || task.version !== version) return { outcome: "conflict" };
      const job = this.row(task.job_id) as JobRow;
      let state: TaskState;
      if (result.resp === "success") {
        this.stmt.succeed.run(now, result.message, result.data, taskId);
        state = "success";
      } else {
        const retcode = actionFailed(result.code);
        if (task.attempts < job.max_attempts && job.revoked_at === null) {
          this.stmt.delay.run(
            now + job.retry_delay_ms,
            task.attempts,
            retcode,
            result.message,
            taskId,
          );
          state = "delayed";
        } else {
          this.stmt.bury.run(now, task.attempts, retcode, result.message, result.data, taskId);
          state = "buried";
        }
      }
      // The place it held goes to the next task of the batch at once.
      this.advance(job, now, frozen);
      return { outcome: "recorded", state };
    })();
  }

  /** A transaction; once committed, the hosts it offered tasks to are told. */
  private write<A extends unknown[], R>(body: (...args: A) => R): (...args: A) => R {
    const transaction = this.db.transaction(body);
    return (...args) => {
      this.offered = [];
      let result: R;
      try {
        result = transaction(...args);
      } catch (error) {
        this.offered = [];
        throw error;
      }
      const offered = this.offered;
      this.offered = [];
      if (offered.length > 0) this.onOffered(offered);
      return result;
    };
  }

  private row(id: number): JobRow | undefined {
    return this.stmt.job.get(id) as JobRow | undefined;
  }

  /** Inside a transaction: ends what can no longer start, then fills the batch. */
  private advance(job: JobRow | undefined, now: number, frozen: boolean): void {
    if (!job || job.finished_at !== null) return;
    const jobId = job.id;
    if (job.revoked_at === null && job.deadline_at !== null && now >= job.deadline_at) {
      const { retcode, message } = SERVICE_ENDINGS.deadline;
      this.stmt.endUnstarted.run({ jobId, now, state: "failed", retcode, message });
    }
    const left = SERVICE_ENDINGS.hostLeft;
    this.stmt.endLeftHosts.run({ jobId, now, retcode: left.retcode, message: left.message });
    if (frozen && job.run_during_freeze !== 1) {
      this.stmt.unoffer.run(jobId);
    } else if (job.revoked_at === null) {
      const room = job.concurrency - (this.stmt.inFlight.get(jobId) as number);
      if (room > 0) {
        for (const host of this.stmt.promote.all({ jobId, now, room }) as string[]) {
          this.offered.push(host);
        }
      }
    }
    this.finishIfDone(jobId, now);
  }

  private finishIfDone(jobId: number, now: number): void {
    if ((this.stmt.open.get(jobId) as number) === 0) this.stmt.finishJob.run(now, jobId);
  }

  private recordOf(row: JobRow): JobRecord {
    const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as JobRecord["counts"];
    counts.total = 0;
    for (const [state, n] of this.stmt.counts.all(row.id) as [TaskState, number][]) {
      counts[state] = n;
      counts.total += n;
    }
    return {
      id: row.id,
      action: { action: row.action, params: JSON.parse(row.params) } as JobAction,
      selector: JSON.parse(row.selector) as HostSelector,
      submittedBy: row.submitted_by,
      reason: row.reason,
      submittedAt: row.submitted_at,
      concurrency: row.concurrency,
      timeToRunMs: row.ttr_ms,
      maxAttempts: row.max_attempts,
      retryDelayMs: row.retry_delay_ms,
      deadlineAt: row.deadline_at,
      runDuringFreeze: row.run_during_freeze === 1,
      revokedAt: row.revoked_at,
      revokedBy: row.revoked_by,
      finishedAt: row.finished_at,
      counts,
    };
  }
}
