// A job's page (`/job?id=`, a query parameter as `/host?id=`) for anyone signed in, and
// its revoke form's post for the operator role: the API's revocation (revokeJob in
// ../api/job-routes.ts, the same store call and the same `job-revoke` audit entry),
// taken from a form. The server's auth hook has already admitted only the `operator`
// role to the post and refused a session's post from another site (../server.ts).
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { JobStore } from "../../adapters/storage/jobs";
import type { Clock } from "../../clock";
import { decodeCursor, encodeCursor } from "../api/cursor";
import { revokeJob } from "../api/job-routes";
import { reasonField, type AuditRecorder } from "../audited";
import { hasRole } from "../operator-auth";
import { refusedPage } from "./hold-routes";
import { JOB_PAGE_RESULTS, renderJobLookup, renderJobPage, renderNoSuchJob } from "./job-page";
import { jobPath } from "./jobs-section";

export interface JobPageDeps {
  readonly jobs: Pick<JobStore, "page" | "job" | "tasks" | "revoke">;
  /**
   * Moves jobs on to now before they are shown, as the API and the hosts' polls do: else
   * a task past its time-to-run shows as reserved until one of them comes.
   */
  readonly sweepJobs: () => void;
  readonly clock: Clock;
  readonly record: AuditRecorder;
}

type Send = (reply: FastifyReply, body: string, status?: number) => FastifyReply;

const revokeForm = z.object({
  id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  reason: reasonField,
});

const text = (value: unknown) => (typeof value === "string" ? value.trim().slice(0, 200) : "");

export function registerJobPageRoutes(forms: FastifyInstance, deps: JobPageDeps, send: Send) {
  const { jobs } = deps;

  forms.get("/job", { config: { auth: "page", heavy: true } }, async (request, reply) => {
    const { operator } = request;
    if (operator === null) return reply.redirect("/login", 303);
    const query = request.query as Record<string, unknown>;
    const id = text(query.id);
    deps.sweepJobs();
    if (id === "") return send(reply, renderJobLookup());
    const job = /^[1-9][0-9]{0,14}$/.test(id) ? jobs.job(Number(id)) : undefined;
    if (job === undefined) return send(reply, renderNoSuchJob(id), 404);
    // A cursor this page did not make starts from the first page, as other unknown values do.
    const after = decodeCursor(text(query.cursor)) ?? null;
    const tasks = jobs.tasks(job.id, after, JOB_PAGE_RESULTS + 1);
    const results = tasks.slice(0, JOB_PAGE_RESULTS);
    const last = results[results.length - 1];
    const nextUrl =
      tasks.length > JOB_PAGE_RESULTS && last !== undefined
        ? `${jobPath(job.id)}&cursor=${encodeCursor(last.instanceId)}`
        : null;
    return send(
      reply,
      renderJobPage({
        now: deps.clock.now(),
        job,
        results,
        nextUrl,
        later: after !== null,
        canAct: hasRole(operator, "operator"),
      }),
    );
  });

  forms.post("/job/revoke", { config: { auth: "page" } }, async (request, reply) => {
    const form = revokeForm.safeParse(request.body ?? {});
    if (!form.success) {
      const issue = form.error.issues[0];
      return send(reply, refusedPage(`${issue?.path.join(".") ?? "form"}: ${issue?.message}`), 400);
    }
    const { id, reason } = form.data;
    const revoked = revokeJob(deps, request, id, reason);
    if (revoked === undefined) return send(reply, refusedPage(`No job ${id}.`), 404);
    return reply.redirect(jobPath(id), 303);
  });
}
