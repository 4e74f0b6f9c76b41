// Fleet jobs for operators: submit one (an action from the fixed list on chosen hosts),
// list them, read one with each host's result a page at a time, and revoke one. Submit
// and revoke change state, so the server's auth admits only the `operator` role (a
// viewer reads, the fleet token does neither); both are written to the audit log.
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import {
  JOBS_PAGE_MAX,
  TASKS_PAGE_MAX,
  type JobRecord,
  type JobStore,
} from "../../adapters/storage/jobs";
import type { Clock } from "../../clock";
import { resolveSelector, type SelectableHost } from "../../domain/jobs/selector";
import { jobSubmissionSchema, submissionProblem } from "../../domain/jobs/submission";
import { respOf, type Task } from "../../domain/jobs/task";
import type { AuditRecorder } from "../audited";
import { BAD_CURSOR, decodeCursor, encodeCursor } from "./cursor";
import { firstIssue } from "./schemas";

export interface JobRoutesDeps {
  readonly jobs: JobStore;
  readonly clock: Clock;
  readonly record: AuditRecorder;
  /** The active hosts as a selector sees them (id, generation, state now). */
  readonly selectable: () => readonly SelectableHost[];
  /** Whether the fleet is frozen now. */
  readonly frozen: () => boolean;
  /** Moves jobs on to now (time-to-run, deadlines, retries, batches); throttled by the caller. */
  readonly sweep: () => void;
}

/** Of a host's data, what a page of results shows; the task's own route gives all of it. */
export const DATA_IN_PAGE_BYTES = 2 * 1024;

/** Up to 10,000 named hosts; the server's 4 KiB (a report) is far too little for that. */
const SUBMIT_BODY_LIMIT = 512 * 1024;

const reasonBody = z.object({ reason: z.string().trim().min(1, "is required").max(500) });
const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(JOBS_PAGE_MAX).default(20),
  before: z.coerce.number().int().min(1).optional(),
});
const jobQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(TASKS_PAGE_MAX).default(100),
  cursor: z.string().max(200).optional(),
});
const idParam = z.object({ id: z.coerce.number().int().min(1) });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function jobView(job: JobRecord) {
  return {
    id: String(job.id),
    action: job.action.action,
    params: job.action.params,
    hosts: job.selector,
    submittedBy: job.submittedBy,
    reason: job.reason,
    submittedAt: iso(job.submittedAt),
    concurrency: job.concurrency,
    timeToRunSeconds: job.timeToRunMs / 1000,
    maxAttempts: job.maxAttempts,
    retryDelaySeconds: job.retryDelayMs / 1000,
    deadline: iso(job.deadlineAt),
    runDuringFreeze: job.runDuringFreeze,
    revokedAt: iso(job.revokedAt),
    revokedBy: job.revokedBy,
    finishedAt: iso(job.finishedAt),
    tasks: job.counts,
  };
}

/** One host's part: who, how it ended (resp, retcode, message), its data (cut in a page). */
export function taskView(task: Task, dataLimit = Infinity) {
  const dataBytes = task.data === null ? 0 : Buffer.byteLength(task.data, "utf8");
  const cut = task.data !== null && dataBytes > dataLimit;
  return {
    host: task.instanceId,
    state: task.state,
    resp: respOf(task),
    retcode: task.retcode,
    message: task.message,
    data: cut
      ? Buffer.from(task.data as string, "utf8")
          .subarray(0, dataLimit)
          .toString("utf8")
      : task.data,
    dataBytes,
    dataCut: cut,
    attempts: task.attempts,
    progress: task.progress,
    finishedAt: iso(task.finishedAt),
  };
}

/**
 * Revokes what has not started of job `id` for the request's operator, audited as
 * `job-revoke` and logged: the API's route and the status page's form both come here.
 * The count of tasks revoked; undefined for no such job (nothing audited).
 */
export function revokeJob(
  deps: {
    readonly jobs: Pick<JobStore, "revoke">;
    readonly clock: Clock;
    readonly record: AuditRecorder;
  },
  request: FastifyRequest,
  id: number,
  reason: string,
): number | undefined {
  const by = request.operator?.name ?? "";
  const revoked = deps.jobs.revoke(id, by, deps.clock.now());
  if (revoked === undefined) return undefined;
  deps.record(request, {
    action: "job-revoke",
    target: `job ${id}`,
    reason,
    outcome: `revoked ${revoked} tasks not yet started`,
  });
  request.log.warn({ job: id, by, revoked }, "job revoked");
  return revoked;
}

export const jobRoutes: FastifyPluginAsync<JobRoutesDeps> = async (app, deps) => {
  const { jobs, clock, record } = deps;

  app.post("/api/v1/jobs", { bodyLimit: SUBMIT_BODY_LIMIT }, async (request, reply) => {
    const body = jobSubmissionSchema.safeParse(request.body ?? {});
    if (!body.success) {
      return reply.code(400).send({ error: "invalid job", ...firstIssue(body.error) });
    }
    const submission = body.data;
    const now = clock.now();
    const { reason } = submission;
    const problem = submissionProblem(submission, now);
    if (problem) {
      record(request, {
        action: "job-submit",
        reason,
        outcome: `refused: ${problem.field} ${problem.message}`,
      });
      return reply.code(400).send({ error: "invalid job", ...problem });
    }
    const { hosts, unknown } = resolveSelector(submission.hosts, deps.selectable());
    if (hosts.length + unknown.length === 0) {
      record(request, { action: "job-submit", reason, outcome: "refused: no host matches" });
      return reply
        .code(400)
        .send({ error: "invalid job", field: "hosts", message: "no host matches the selector" });
    }
    const { action, params } = submission;
    const job = jobs.create(
      {
        action: { action, params } as JobRecord["action"],
        selector: submission.hosts,
        submittedBy: request.operator?.name ?? "",
        reason,
        concurrency: submission.concurrency,
        timeToRunMs: submission.timeToRunSeconds * 1000,
        maxAttempts: submission.maxAttempts,
        retryDelayMs: submission.retryDelaySeconds * 1000,
        deadlineAt: submission.deadline === undefined ? null : Date.parse(submission.deadline),
        runDuringFreeze: submission.runDuringFreeze,
      },
      hosts,
      unknown,
      now,
      deps.frozen(),
    );
    record(request, {
      action: "job-submit",
      target: `job ${job.id}`,
      reason,
      outcome:
        `submitted: ${submission.action} on ${hosts.length} hosts` +
        (unknown.length > 0 ? `, ${unknown.length} unknown` : "") +
        (submission.runDuringFreeze ? ", runs during a freeze" : ""),
    });
    request.log.info(
      { job: job.id, action: submission.action, hosts: hosts.length },
      "job submitted",
    );
    return reply.code(201).send(jobView(job));
  });

  app.get("/api/v1/jobs", async (request, reply) => {
    const query = listQuery.safeParse(request.query ?? {});
    if (!query.success) {
      return reply.code(400).send({ error: "invalid query", ...firstIssue(query.error) });
    }
    deps.sweep();
    const { limit, before } = query.data;
    const page = jobs.page(limit + 1, before);
    const shown = page.slice(0, limit);
    return {
      jobs: shown.map(jobView),
      nextBefore: page.length > limit ? String(shown[shown.length - 1].id) : null,
    };
  });

  app.get("/api/v1/jobs/:id", async (request, reply) => {
    const params = idParam.safeParse(request.params);
    const query = jobQuery.safeParse(request.query ?? {});
    if (!params.success) return reply.code(404).send({ error: "no such job" });
    if (!query.success) {
      return reply.code(400).send({ error: "invalid query", ...firstIssue(query.error) });
    }
    const { limit, cursor } = query.data;
    const after = cursor === undefined ? null : decodeCursor(cursor);
    if (after === undefined) {
      return reply.code(400).send(BAD_CURSOR);
    }
    deps.sweep();
    const job = jobs.job(params.data.id);
    if (!job) return reply.code(404).send({ error: "no such job" });
    const tasks = jobs.tasks(job.id, after, limit + 1);
    const shown = tasks.slice(0, limit);
    return {
      ...jobView(job),
      results: shown.map((task) => taskView(task, DATA_IN_PAGE_BYTES)),
      nextCursor: tasks.length > limit ? encodeCursor(shown[shown.length - 1].instanceId) : null,
    };
  });

  app.get("/api/v1/jobs/:id/hosts/:host", async (request, reply) => {
    const params = idParam.safeParse(request.params);
    const host = (request.params as { host?: string }).host ?? "";
    if (!params.success) return reply.code(404).send({ error: "no such job" });
    const task = jobs.taskOf(params.data.id, host);
    if (!task) return reply.code(404).send({ error: "no such host in the job" });
    return taskView(task);
  });

  app.post("/api/v1/jobs/:id/revoke", async (request, reply) => {
    const params = idParam.safeParse(request.params);
    if (!params.success) return reply.code(404).send({ error: "no such job" });
    const body = reasonBody.safeParse(request.body ?? {});
    if (!body.success) {
      return reply.code(400).send({ error: "invalid request", ...firstIssue(body.error) });
    }
    const revoked = revokeJob(deps, request, params.data.id, body.data.reason);
    if (revoked === undefined) return reply.code(404).send({ error: "no such job" });
    return reply.send({ ...jobView(jobs.job(params.data.id) as JobRecord), revokedTasks: revoked });
  });
};
