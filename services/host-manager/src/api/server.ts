// The HTTP API: health probe, host reports (and heartbeats), and the operator views.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Clock } from "../clock";
import type { ServiceMetrics } from "../metrics/prometheus";
import type { HealthContext } from "../domain/health-context";
import type { Inventory } from "../health-check/inventory";
import type { CycleStore } from "../adapters/storage/cycles";
import type { HostStore } from "../adapters/storage/hosts";
import { makeTokenCheck } from "./auth";
import type { ReportWriter } from "../adapters/storage/report-writer";
import { cyclesQuerySchema, firstIssue, hostsQuerySchema, parseHostReport } from "./schemas";
import { hostView } from "./views";
import { registerStatusPage } from "../web/routes";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Who may call the route: `bearer` (the default) needs the fleet token in the
     * Authorization header; `page` lets the route check the header or a session cookie
     * itself; `none` is public.
     */
    auth?: "bearer" | "page" | "none";
  }
}

export interface ApiDeps {
  readonly token: string;
  /** The token being rotated out, accepted like the current one until unset. */
  readonly tokenPrevious?: string;
  readonly store: HostStore;
  readonly cycles: CycleStore;
  readonly writer: ReportWriter;
  readonly inventory: Inventory;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The time and thresholds hosts are judged against, as of the call. */
  readonly healthContext: () => HealthContext;
  readonly schedule: string;
  readonly dryRun: boolean;
  /** When the next scheduled cycle runs, if known. */
  readonly nextRunAt?: () => Date | null;
  readonly metrics: ServiceMetrics;
  /** Mark the status page's session cookie `Secure`. */
  readonly cookieSecure: boolean;
}

/** A report is a few hundred bytes; anything near this is not a report. */
export const BODY_LIMIT_BYTES = 4 * 1024;
const HISTORY_PER_HOST = 10;
const OK_BODY = '{"ok":true}';

export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per heartbeat from thousands of hosts would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: at fleet heartbeat rates the allocation shows up in profiles.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    return503OnClosing: true,
  });
  const tokenMatches = makeTokenCheck(deps.token, deps.tokenPrevious, {
    onPreviousToken: () => deps.metrics.observePreviousToken(),
  });

  // The two hooks every request passes through take a callback rather than being async:
  // no promise per request for work that never waits.
  app.addHook("onRequest", (request, reply, done) => {
    // Unmatched routes have no config: they need the token too, so probing learns nothing.
    if (
      (request.routeOptions.config?.auth ?? "bearer") === "bearer" &&
      !tokenMatches(request.headers.authorization)
    ) {
      // Replying from a callback hook ends the chain: done is not called.
      reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized" });
      return;
    }
    done();
  });

  // Route patterns, not URLs, as labels: a scan of random paths cannot blow up the series.
  app.addHook("onResponse", (request, reply, done) => {
    deps.metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? "unmatched",
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, "request failed");
    return reply.code(status).send({ error: status >= 500 ? "internal error" : error.message });
  });

  app.get("/healthz", { config: { auth: "none" } }, async (_request, reply) => {
    if (deps.store.answers()) return { ok: true };
    return reply.code(503).send({ ok: false, error: "database unavailable" });
  });

  app.post("/rpc/v1/status", async (request, reply) => {
    const parsed = parseHostReport(request.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: "invalid report", ...parsed.error });
    }
    const report = parsed.data;
    let outcome = await deps.writer.submit(report);
    if (
      outcome === "unknown-instance" &&
      (await deps.inventory.knowsAfterRefresh(report.instanceId))
    ) {
      outcome = await deps.writer.submit(report);
    }
    if (outcome === "unknown-instance") {
      return reply.code(403).send({ error: "instance is not in the fleet", field: "instanceId" });
    }
    if (outcome === "ip-mismatch") {
      return reply
        .code(403)
        .send({ error: "privateIp does not match the instance", field: "privateIp" });
    }
    return reply.type("application/json").send(OK_BODY);
  });

  app.get("/api/v1/hosts", async (request, reply) => {
    const query = hostsQuerySchema.safeParse(request.query);
    if (!query.success)
      return reply.code(400).send({ error: "invalid query", ...firstIssue(query.error) });
    const context = deps.healthContext();
    const hosts = query.data.archived === "true" ? deps.store.listAll() : deps.store.listActive();
    return {
      generatedAt: new Date(context.now).toISOString(),
      count: hosts.length,
      hosts: hosts.map((host) =>
        hostView(host, deps.store.events(host.instanceId, HISTORY_PER_HOST), context),
      ),
    };
  });

  app.get("/api/v1/health-check", async (request, reply) => {
    const query = cyclesQuerySchema.safeParse(request.query);
    if (!query.success)
      return reply.code(400).send({ error: "invalid query", ...firstIssue(query.error) });
    const cycles = deps.cycles.latest(query.data.limit);
    const iso = (ms: number) => new Date(ms).toISOString();
    const { settings } = deps.healthContext();
    return {
      schedule: deps.schedule,
      nextRunAt: deps.nextRunAt?.()?.toISOString() ?? null,
      dryRun: deps.dryRun,
      stormGuardOpen: cycles[0]?.stormGuardOpen ?? false,
      settings: {
        startupTimeoutMinutes: settings.startupTimeoutMs / 60_000,
        heartbeatTimeoutMinutes: settings.heartbeatTimeoutMs / 60_000,
        rebootCooldownMinutes: settings.cooldownMs / 60_000,
        maxRemediationAttempts: settings.maxAttempts,
        maxUnhealthy: settings.maxUnhealthy,
      },
      cycles: cycles.map((c) => ({
        ...c,
        startedAt: iso(c.startedAt),
        finishedAt: iso(c.finishedAt),
      })),
    };
  });

  // Scrapers send the same bearer token (Prometheus: `authorization: { credentials: ... }`):
  // host counts and instance activity are not for anyone on the network to read.
  app.get("/metrics", async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );

  registerStatusPage(app, { ...deps, tokenMatches });

  return app;
}
