// The status page's routes: `/` and one host's page `/host?id=` for an operator's bearer
// token or session cookie, the freeze and rollout forms' posts (./hold-routes.ts), a
// job's page `/job?id=` and its revoke form's post (./job-page-routes.ts), and
// the sign-in form (an operator's name and token) that issues the cookie. The JSON API
// and /metrics never accept the cookie, so a cross-site request can do nothing with it
// even where SameSite fails.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../../clock";
import type { ServiceMetrics } from "../../metrics/prometheus";
import type { AuditStore } from "../../adapters/storage/audit";
import type { HostStore } from "../../adapters/storage/hosts";
import type { OperatorStore } from "../../adapters/storage/operators";
import type { FleetSnapshot } from "../fleet-snapshot";
import { hasRole } from "../operator-auth";
import { peerAddress } from "../peer";
import type { WindowLimiter } from "../rate-limit";
import { tooManyRequests } from "../server";
import { registerHoldRoutes, type HoldRoutesDeps } from "./hold-routes";
import { registerJobPageRoutes, type JobPageDeps } from "./job-page-routes";
import { JOBS_ON_PAGE, jobsKey } from "./jobs-section";
import { HOST_PAGE_EVENTS, renderHostLookup, renderHostPage, renderNoSuchHost } from "./host-page";
import { hostRow, pageQuerySchema, queryKey, type HistorySource } from "./model";
import { buildStatusPage, type PageSources } from "./page";
import { renderLoginPage } from "./render";
import { isCrossSite } from "./same-origin";
import { sendShared } from "../shared-body";
import {
  clearedSessionCookie,
  readCookie,
  SESSION_COOKIE,
  type SessionBook,
  sessionCookie,
} from "./session";

export interface StatusPageDeps extends PageSources, HoldRoutesDeps, JobPageDeps {
  /** The newest jobs on the page, each job's page, its revoke form. */
  readonly jobs: JobPageDeps["jobs"];
  /** Issues and ends the session cookies (shared with the server's auth hook). */
  readonly sessions: SessionBook;
  /** Who may sign in. */
  readonly operators: Pick<OperatorStore, "byToken">;
  /** The newest entries are shown on the page. */
  readonly audit: Pick<AuditStore, "newest">;
  /** One host's page: its record (active or archived) and its history. */
  readonly hostRecords: Pick<HostStore, "get" | "events">;
  /** Mark the session cookie `Secure`. */
  readonly cookieSecure: boolean;
  /** Session expiry and the sign-in round trip. */
  readonly clock: Clock;
  /** The fleet, hosts judged and cycles read at most once per snapshot. */
  readonly snapshot: Pick<FleetSnapshot, "current">;
  /** The history of the rows a page shows. */
  readonly hosts: HistorySource;
  /** Wrong tokens per source address, shared with the API's bearer check. */
  readonly guesses: WindowLimiter;
  /** Failed sign-ins per operator name, whatever the address. */
  readonly signInsPerName: WindowLimiter;
  readonly metrics: Pick<ServiceMetrics, "observeRateLimited">;
}

/** No script may run, nothing may load from elsewhere, and no one may frame the page. */
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

export const statusPageRoutes: FastifyPluginAsync<StatusPageDeps> = async (app, deps) => {
  const { sessions } = deps;
  const sessionOf = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);
  const send = (reply: FastifyReply, body: string, status = 200) =>
    reply.code(status).headers(PAGE_HEADERS).send(body);

  const refuseCrossSite = (reply: FastifyReply) =>
    send(reply, renderLoginPage("Refused: that form was posted from another site."), 403);

  /** Refuses an address that guessed too often (429), as the API's bearer check does. */
  const refuseGuesser = (request: FastifyRequest, reply: FastifyReply) => {
    const address = peerAddress(request.socket);
    if (!deps.guesses.blocked(address)) return undefined;
    deps.metrics.observeRateLimited("guesses");
    return tooManyRequests(reply, deps.guesses, address);
  };

  // The server's hook has found the operator (bearer or session), refused the fleet token
  // and counted wrong tokens; a reader with neither is sent to sign in.
  app.get("/", { config: { auth: "page", heavy: true } }, async (request, reply) => {
    const { operator } = request;
    if (operator === null) {
      // Just signed in, yet no cookie came back: the browser refused it (Secure over plain HTTP).
      const signedIn = Number((request.query as Record<string, unknown>).signedIn);
      const justSignedIn = Math.abs(deps.clock.now() / 1000 - signedIn) < 60;
      return reply.redirect(justSignedIn ? "/login?cookie=refused" : "/login", 303);
    }
    const cookieSession = request.headers.authorization === undefined;
    const canAct = hasRole(operator, "operator");
    const query = pageQuerySchema.parse(request.query ?? {});
    const view = deps.snapshot.current();
    // A page is rendered once per snapshot for each query, kind of session and role,
    // then served as it is: polling the page costs a lookup, not a render of the fleet.
    // The freeze and the audit log can change between snapshots: they are part of the key.
    const holds = deps.healthCheck.holds?.();
    const held = holds ? JSON.stringify(holds) : "";
    const lastAudit = deps.audit.newest(1)[0]?.id ?? 0;
    // Jobs move on between snapshots too: the newest few (a bounded read) are in the key.
    deps.sweepJobs();
    const jobs = deps.jobs.page(JOBS_ON_PAGE);
    const key = `page ${queryKey(query)} ${cookieSession} ${canAct} ${held} ${lastAudit} ${jobsKey(jobs)}`;
    // As bytes, sent in slices, so a slow reader holds no copy of it (shared-body.ts).
    const body = view.memo(key, () =>
      Buffer.from(buildStatusPage(deps, view, query, { cookieSession, canAct, holds, jobs })),
    );
    return sendShared(reply.code(200).headers(PAGE_HEADERS), body);
  });

  // One host by its id (`/host?id=`), active or replaced; without an id, a form to ask.
  app.get("/host", { config: { auth: "page", heavy: true } }, async (request, reply) => {
    if (request.operator === null) return reply.redirect("/login", 303);
    const id = (request.query as Record<string, unknown>).id;
    const instanceId = typeof id === "string" ? id.trim().slice(0, 128) : "";
    if (instanceId === "") return send(reply, renderHostLookup());
    const host = deps.hostRecords.get(instanceId);
    if (host === undefined) return send(reply, renderNoSuchHost(instanceId), 404);
    const { context } = deps.snapshot.current();
    return send(
      reply,
      renderHostPage({
        now: context.now,
        row: hostRow(host, context),
        firstSeenAt: host.firstSeenAt,
        lifecycleState: host.lifecycleState,
        handoffs: deps.archived.handoffs(instanceId),
        history: deps.hostRecords.events(instanceId, HOST_PAGE_EVENTS),
      }),
    );
  });

  // Its own plugin scope, so only these routes parse form bodies: host reports stay JSON-only.
  await app.register(async (forms) => {
    forms.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );

    forms.get("/login", { config: { auth: "none" } }, async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const notice =
        query.error !== undefined
          ? "That name and token do not match a live operator."
          : query.cookie !== undefined
            ? "Your browser refused the session cookie. It is marked Secure, which browsers keep only over HTTPS or on localhost: open this page over HTTPS, or set HOST_MANAGER_COOKIE_SECURE=false on a closed network."
            : undefined;
      return send(reply, renderLoginPage(notice), notice ? 401 : 200);
    });

    forms.post("/login", { config: { auth: "none" } }, async (request, reply) => {
      if (isCrossSite(request)) return refuseCrossSite(reply);
      const refused = refuseGuesser(request, reply);
      if (refused) return refused;
      const body = (request.body ?? {}) as Record<string, unknown>;
      const name = typeof body.name === "string" ? body.name.trim() : "";
      const token = typeof body.token === "string" ? body.token.trim() : "";
      // Per name too: guesses spread over many addresses still stop at the limit for one name.
      if (deps.signInsPerName.blocked(name)) {
        deps.metrics.observeRateLimited("sign-ins-per-name");
        return tooManyRequests(reply, deps.signInsPerName, name);
      }
      const operator = token === "" ? undefined : deps.operators.byToken(token);
      if (operator === undefined || operator.name !== name) {
        deps.guesses.take(peerAddress(request.socket));
        deps.signInsPerName.take(name);
        return reply.redirect("/login?error=1", 303);
      }
      const now = deps.clock.now();
      return reply
        .header("set-cookie", sessionCookie(sessions.issue(now, operator.name), deps.cookieSecure))
        .header("cache-control", "no-store")
        .redirect(`/?signedIn=${Math.floor(now / 1000)}`, 303);
    });

    registerHoldRoutes(forms, deps, send);
    registerJobPageRoutes(forms, deps, send);

    forms.post("/logout", { config: { auth: "none" } }, async (request, reply) => {
      if (isCrossSite(request)) return refuseCrossSite(reply);
      // Revoked on the server: a copy of the cookie opens nothing from now on.
      sessions.revoke(sessionOf(request));
      return reply
        .header("set-cookie", clearedSessionCookie(deps.cookieSecure))
        .redirect("/login", 303);
    });
  });
};
