// The host side of fleet jobs: a host asks for its next task (waiting up to a bounded
// time for one), accepts it with the version it was offered (of two accepts one wins),
// reports progress (and learns whether the job was revoked) and its result. A host is
// who requesting-host.ts says it is, and sees and touches only its own tasks: another
// host's task id answers 404, as a task that does not exist does.
import type { FastifyPluginAsync } from "fastify";
import { z } from "zod";
import type { GroupCommit } from "../../adapters/storage/group-commit";
import type { JobStore } from "../../adapters/storage/jobs";
import type { Clock } from "../../clock";
import { MAX_RESULT_DATA_BYTES } from "../../domain/jobs/actions";
import type { TaskOffer } from "../../domain/jobs/task";
import type { IdentifyHost } from "../requesting-host";
import type { HostWaiters } from "./host-waiters";
import { firstIssue } from "./schemas";

export interface TaskRoutesDeps {
  readonly jobs: JobStore;
  readonly clock: Clock;
  readonly identify: IdentifyHost;
  readonly frozen: () => boolean;
  readonly sweep: () => void;
  readonly waiters: HostWaiters;
  /** Accepts, progress and results of one turn of the event loop share one commit. */
  readonly commits: GroupCommit;
}

/** The longest a poll waits for a task; a host polls again after it. */
export const MAX_WAIT_SECONDS = 20;
/** What a host is told to wait before its next poll when it asked not to wait. */
export const POLL_AFTER_SECONDS = 5;

/** A result carries up to MAX_RESULT_DATA_BYTES of data, JSON-escaped (at most 6x). */
const RESULT_BODY_LIMIT = MAX_RESULT_DATA_BYTES * 6 + 4 * 1024;

const nextQuery = z.strictObject({
  wait: z.coerce.number().int().min(0).max(MAX_WAIT_SECONDS).default(0),
});
const taskParam = z.object({ id: z.coerce.number().int().min(1) });
const version = z.number().int().min(1);
const acceptBody = z.strictObject({ version });
const progressBody = z.strictObject({
  version,
  note: z.string().max(500).optional(),
});
const resultBody = z.strictObject({
  version,
  resp: z.enum(["success", "failed"]),
  /** The host's own code for a failure, 1-255. */
  code: z.number().int().min(1).max(255).optional(),
  message: z.string().max(1_000).optional(),
  data: z
    .string()
    .refine((d) => Buffer.byteLength(d, "utf8") <= MAX_RESULT_DATA_BYTES, {
      message: `at most ${MAX_RESULT_DATA_BYTES} bytes`,
    })
    .optional(),
});

const FLEET = { auth: "fleet" } as const;

/** Not written, so not acknowledged: the host retries, as it does a report. */
class NotWritten extends Error {}

/** `commits.run`, with a failed commit turned into NotWritten (answered 503). */
async function committed<R>(commits: GroupCommit, work: () => R): Promise<R> {
  try {
    return await commits.run(work);
  } catch (error) {
    throw new NotWritten(String(error), { cause: error });
  }
}

export const taskRoutes: FastifyPluginAsync<TaskRoutesDeps> = async (app, deps) => {
  const { jobs, clock, identify, waiters, commits } = deps;

  // Waiting polls end at once when the server closes: a stop does not wait 20 s for them.
  app.addHook("preClose", (done) => {
    waiters.wakeAll();
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    if (!(error instanceof NotWritten)) throw error;
    request.log.error({ err: error.cause }, "task call not written");
    return reply.code(503).header("retry-after", "30").send({ error: "storage unavailable" });
  });

  app.get("/rpc/v1/tasks/next", { config: FLEET }, async (request, reply) => {
    const host = identify(request);
    if ("error" in host) return reply.code(host.status).send({ error: host.error });
    const query = nextQuery.safeParse(request.query ?? {});
    if (!query.success) {
      return reply.code(400).send({ error: "invalid query", ...firstIssue(query.error) });
    }
    deps.sweep();
    let offer: TaskOffer | undefined = jobs.next(host.instanceId, deps.frozen());
    if (!offer && query.data.wait > 0) {
      await waiters.wait(host.instanceId, query.data.wait * 1000);
      deps.sweep();
      offer = jobs.next(host.instanceId, deps.frozen());
    }
    return { task: offer ?? null, pollAfterSeconds: POLL_AFTER_SECONDS };
  });

  app.post("/rpc/v1/tasks/:id/accept", { config: FLEET }, async (request, reply) => {
    const host = identify(request);
    if ("error" in host) return reply.code(host.status).send({ error: host.error });
    const params = taskParam.safeParse(request.params);
    if (!params.success) return reply.code(404).send({ error: "no such task" });
    const body = acceptBody.safeParse(request.body ?? {});
    if (!body.success) {
      return reply.code(400).send({ error: "invalid request", ...firstIssue(body.error) });
    }
    deps.sweep();
    const accepted = await committed(commits, () =>
      jobs.accept(params.data.id, host.instanceId, body.data.version, clock.now(), deps.frozen()),
    );
    switch (accepted.outcome) {
      case "accepted":
        return { version: accepted.version };
      case "not-found":
        return reply.code(404).send({ error: "no such task" });
      case "held":
        return reply
          .code(409)
          .send({ error: "not started: held by the freeze or past the job's deadline" });
      case "conflict":
        return reply
          .code(409)
          .send({ error: "the task is no longer at that version: taken, moved on or revoked" });
    }
  });

  app.post("/rpc/v1/tasks/:id/progress", { config: FLEET }, async (request, reply) => {
    const host = identify(request);
    if ("error" in host) return reply.code(host.status).send({ error: host.error });
    const params = taskParam.safeParse(request.params);
    if (!params.success) return reply.code(404).send({ error: "no such task" });
    const body = progressBody.safeParse(request.body ?? {});
    if (!body.success) {
      return reply.code(400).send({ error: "invalid request", ...firstIssue(body.error) });
    }
    const { version: seen, note } = body.data;
    const heard = await committed(commits, () =>
      jobs.progress(params.data.id, host.instanceId, seen, note ?? null, clock.now()),
    );
    if (heard.outcome === "not-found") return reply.code(404).send({ error: "no such task" });
    if (heard.outcome === "conflict") {
      return reply
        .code(409)
        .send({ error: "the task is not reserved by this host at that version" });
    }
    return { revoked: heard.revoked };
  });

  app.post(
    "/rpc/v1/tasks/:id/result",
    { config: FLEET, bodyLimit: RESULT_BODY_LIMIT },
    async (request, reply) => {
      const host = identify(request);
      if ("error" in host) return reply.code(host.status).send({ error: host.error });
      const params = taskParam.safeParse(request.params);
      if (!params.success) return reply.code(404).send({ error: "no such task" });
      const body = resultBody.safeParse(request.body ?? {});
      if (!body.success) {
        return reply.code(400).send({ error: "invalid result", ...firstIssue(body.error) });
      }
      const { version: seen, resp, code, message, data } = body.data;
      const outcome = { resp, code, message: message ?? null, data: data ?? null };
      const recorded = await committed(commits, () =>
        jobs.result(params.data.id, host.instanceId, seen, outcome, clock.now(), deps.frozen()),
      );
      if (recorded.outcome === "not-found") return reply.code(404).send({ error: "no such task" });
      if (recorded.outcome === "conflict") {
        return reply
          .code(409)
          .send({ error: "the task is not reserved by this host at that version" });
      }
      return { state: recorded.state };
    },
  );
};
