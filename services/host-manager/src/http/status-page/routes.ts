// The status page's routes: `/` for the bearer token or a session cookie, and the
// sign-in form that issues the cookie. The JSON API and /metrics never accept the
// cookie, so a cross-site request can do nothing with it even where SameSite fails.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { Clock } from "../../clock";
import type { ServiceMetrics } from "../../metrics/prometheus";
import type { TokenCheck } from "../auth";
import { CHART_HOURS, type FleetSnapshot } from "../fleet-snapshot";
import type { HealthCheckFacts } from "../health-check-facts";
import { peerAddress } from "../peer";
import type { WindowLimiter } from "../rate-limit";
import { tooManyRequests } from "../server";
import { renderChart } from "./chart";
import { hostTable, pageQuerySchema, sortedRows, type HistorySource } from "./model";
import { renderLoginPage, renderStatusPage } from "./render";
import type { SessionStore } from "../../adapters/storage/sessions";
import { isCrossSite } from "./same-origin";
import {
  clearedSessionCookie,
  readCookie,
  SESSION_COOKIE,
  SessionBook,
  sessionCookie,
} from "./session";

export interface StatusPageDeps {
  /** The fleet token, which the session cookies are keyed from. */
  readonly token: string;
  readonly tokenMatches: TokenCheck;
  /** Mark the session cookie `Secure`. */
  readonly cookieSecure: boolean;
  /** Session expiry and the sign-in round trip. */
  readonly clock: Clock;
  /** The live sessions, kept on the server. */
  readonly sessions: Pick<SessionStore, "add" | "isLive" | "revoke">;
  /** The fleet, hosts judged and cycles read at most once per snapshot. */
  readonly snapshot: Pick<FleetSnapshot, "current">;
  /** The history of the rows a page shows. */
  readonly hosts: HistorySource;
  readonly healthCheck: HealthCheckFacts;
  /** Wrong tokens per source address, shared with the API's bearer check. */
  readonly guesses: WindowLimiter;
  readonly metrics: Pick<ServiceMetrics, "observeRateLimited">;
}

const REFRESH_SECONDS = 30;

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
  const sessions = new SessionBook(deps.token, deps.sessions);
  const sessionOf = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);
  const hasSession = (request: FastifyRequest) =>
    sessions.verify(sessionOf(request), deps.clock.now());
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

  app.get("/", { config: { auth: "page", heavy: true } }, async (request, reply) => {
    const refused = refuseGuesser(request, reply);
    if (refused) return refused;
    const { authorization } = request.headers;
    const bearer = deps.tokenMatches(authorization);
    if (!bearer && authorization !== undefined) deps.guesses.take(peerAddress(request.socket));
    const cookie = !bearer && hasSession(request);
    if (!bearer && !cookie) {
      // Just signed in, yet no cookie came back: the browser refused it (Secure over plain HTTP).
      const signedIn = Number((request.query as Record<string, unknown>).signedIn);
      const justSignedIn = Math.abs(deps.clock.now() / 1000 - signedIn) < 60;
      return reply.redirect(justSignedIn ? "/login?cookie=refused" : "/login", 303);
    }
    const query = pageQuerySchema.parse(request.query ?? {});
    const view = deps.snapshot.current();
    // A page is rendered once per snapshot for each query and kind of session, then
    // served as it is: polling the page costs a lookup, not a render of the fleet.
    const { state, sort, dir, page } = query;
    // The freeze can change between snapshots: it is part of what the page is keyed by.
    const holds = deps.healthCheck.holds?.();
    const held = holds ? JSON.stringify(holds) : "";
    const body = view.memo(`page ${state} ${sort} ${dir} ${page} ${cookie} ${held}`, () => {
      const sorted = view.memo(`sorted ${state} ${sort} ${dir}`, () =>
        sortedRows(view.fleet, query),
      );
      const { now } = view.context;
      return renderStatusPage({
        now,
        table: hostTable(view.fleet.counts, sorted, page, deps.hosts),
        query,
        lastCycle: view.lastCycle,
        nextRunAt: deps.healthCheck.nextRunAt(),
        schedule: deps.healthCheck.schedule,
        dryRun: deps.healthCheck.dryRun,
        ...(holds ? { holds } : {}),
        chart: view.memo("chart", () => renderChart(view.recentCycles, now, CHART_HOURS)),
        chartHours: CHART_HOURS,
        refreshSeconds: REFRESH_SECONDS,
        cookieSession: cookie,
      });
    });
    return send(reply, body);
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
          ? "That token is not the fleet token."
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
      const token = typeof body.token === "string" ? body.token : "";
      if (!deps.tokenMatches(`Bearer ${token}`)) {
        deps.guesses.take(peerAddress(request.socket));
        return reply.redirect("/login?error=1", 303);
      }
      const now = deps.clock.now();
      return reply
        .header("set-cookie", sessionCookie(sessions.issue(now), deps.cookieSecure))
        .header("cache-control", "no-store")
        .redirect(`/?signedIn=${Math.floor(now / 1000)}`, 303);
    });

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
