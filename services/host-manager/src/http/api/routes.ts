// The JSON API: the health probe, host reports (and heartbeats), the operator views of
// hosts and health-check cycles, and Prometheus metrics. Every route but /healthz needs
// the fleet token (see ../server.ts).
import type { FastifyPluginAsync } from "fastify";
import type { CycleStore } from "../../adapters/storage/cycles";
import type { HostStore } from "../../adapters/storage/hosts";
import type { ReportWriter } from "../../adapters/storage/report-writer";
import type { HealthContext } from "../../domain/health-context";
import type { Inventory } from "../../health-check/inventory";
import type { ServiceMetrics } from "../../metrics/prometheus";
import type { HealthCheckFacts } from "../health-check-facts";
import { cyclesQuerySchema, firstIssue, hostsQuerySchema, parseHostReport } from "./schemas";
import { hostView } from "./views";

export interface ApiDeps {
  readonly hosts: Pick<HostStore, "answers" | "listActive" | "listAll" | "events">;
  readonly cycles: Pick<CycleStore, "latest">;
  /** Commits reports in groups; a report is acknowledged once its group is on disk. */
  readonly reports: Pick<ReportWriter, "submit">;
  readonly inventory: Pick<Inventory, "knowsAfterRefresh">;
  /** The time and thresholds hosts are judged against, as of the call. */
  readonly healthContext: () => HealthContext;
  readonly healthCheck: HealthCheckFacts;
  readonly metrics: Pick<ServiceMetrics, "registry">;
}

const HISTORY_PER_HOST = 10;
const OK_BODY = '{"ok":true}';

export const apiRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  // A passive manager (another holds the lease) says so, and who is active, with 200: it
  // is alive and waiting, and a liveness probe that killed it would only restart it,
  // passive again, in a loop.
  app.get("/healthz", { config: { auth: "none" } }, async (_request, reply) => {
    const lease = deps.healthCheck.lease?.();
    const passive =
      lease?.role === "passive"
        ? {
            role: lease.role,
            leaseHolder: lease.holder,
            leaseExpiresAt:
              lease.expiresAt === null ? null : new Date(lease.expiresAt).toISOString(),
          }
        : {};
    // Alive, but its last cycle hung and was given up on: say so (a restart would not help).
    const abandonedAt = deps.healthCheck.abandonedAt?.() ?? null;
    const abandoned =
      abandonedAt === null ? {} : { cycleAbandonedAt: new Date(abandonedAt).toISOString() };
    if (deps.hosts.answers()) return { ok: true, ...passive, ...abandoned };
    return reply.code(503).send({ ok: false, error: "database unavailable", ...passive });
  });

  app.post("/rpc/v1/status", async (request, reply) => {
    const parsed = parseHostReport(request.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: "invalid report", ...parsed.error });
    }
    const report = parsed.data;
    let outcome = await deps.reports.submit(report);
    if (
      outcome === "unknown-instance" &&
      (await deps.inventory.knowsAfterRefresh(report.instanceId))
    ) {
      outcome = await deps.reports.submit(report);
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
    const hosts = query.data.archived === "true" ? deps.hosts.listAll() : deps.hosts.listActive();
    return {
      generatedAt: new Date(context.now).toISOString(),
      count: hosts.length,
      hosts: hosts.map((host) =>
        hostView(host, deps.hosts.events(host.instanceId, HISTORY_PER_HOST), context),
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
      schedule: deps.healthCheck.schedule,
      nextRunAt: deps.healthCheck.nextRunAt()?.toISOString() ?? null,
      dryRun: deps.healthCheck.dryRun,
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
};
