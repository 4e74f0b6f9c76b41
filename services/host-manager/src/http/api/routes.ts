// The JSON API: the health probe, host reports (and heartbeats), the operator views of
// hosts and health-check cycles, and Prometheus metrics. Reports need the reporting
// host's own credential (or the fleet token, in the fallback), every other route but
// /healthz and registration an operator's (see ../server.ts).
import type { FastifyPluginAsync } from "fastify";
import type { CycleDigests } from "../../adapters/storage/cycle-digests";
import type { HostStore, ReportOutcome } from "../../adapters/storage/hosts";
import type { ReportWriter } from "../../adapters/storage/report-writer";
import type { CycleSummary } from "../../domain/cycle";
import type { HealthContext } from "../../domain/health-context";
import type { Inventory } from "../../health-check/inventory";
import type { ServiceMetrics } from "../../metrics/prometheus";
import type { FleetSnapshot } from "../fleet-snapshot";
import type { HealthCheckFacts } from "../health-check-facts";
import { isLoopback, peerAddress } from "../peer";
import { BAD_CURSOR, decodeCursor, encodeCursor } from "./cursor";
import { cyclesQuerySchema, firstIssue, hostsQuerySchema, parseHostReport } from "./schemas";
import { DEFAULT_SATURATION } from "../../domain/load";
import { hostJsonOf, hostPageJson, type HostPage } from "./host-json";
import { sendShared } from "../shared-body";

export interface ApiDeps {
  readonly hosts: Pick<HostStore, "answers" | "page" | "count" | "recentEvents" | "load">;
  /** Its lifetime bounds how long a page of the host list is served as built. */
  readonly snapshot: Pick<FleetSnapshot, "current">;
  /** The recorded cycles, their lists cut: a response's size never grows with the fleet. */
  readonly cycles: Pick<CycleDigests, "latest">;
  /** Commits reports in groups; a report is acknowledged once its group is on disk. */
  readonly reports: Pick<ReportWriter, "submit" | "health">;
  readonly inventory: Pick<Inventory, "knowsAfterRefresh">;
  /** The time and thresholds hosts are judged against, as of the call. */
  readonly healthContext: () => HealthContext;
  readonly healthCheck: HealthCheckFacts;
  readonly metrics: Pick<ServiceMetrics, "registry" | "observeDroppedReportField">;
  /**
   * Accept reports from 127.0.0.0/8 and ::1 whatever their privateIp: for the simulated
   * cloud (local runs, the benchmark, tests), whose hosts do not exist. Never in production.
   */
  readonly loopbackReports: boolean;
}

const OK_BODY = '{"ok":true}';

/** Where in `sorted` (in instance-id order) the hosts after `after` start, as the store's page would. */
function indexAfter(sorted: readonly { instanceId: string }[], after: string | null): number {
  let lo = 0;
  let hi = sorted.length;
  // The first id greater than `after`, by code unit as SQLite's BINARY collation orders them.
  while (after !== null && lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid].instanceId <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The freeze and the pause in force, and what the last cycle held for them. */
function heldNow(facts: HealthCheckFacts, last: CycleSummary | undefined) {
  const holds = facts.holds?.();
  if (!holds) return {};
  return {
    ...holds.freeze,
    rolloutPause: holds.rollout,
    heldActions: holds.freeze.frozen ? (last?.heldByFreeze ?? []) : [],
    heldRolloutReplacements: holds.rollout.paused ? (last?.heldByRolloutPause ?? []) : [],
  };
}

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
    if (!deps.hosts.answers()) {
      return reply.code(503).send({ ok: false, error: "database unavailable", ...passive });
    }
    // Reading is not enough: a database that cannot be written must not look alive.
    const writes = deps.reports.health();
    if (!writes.ok) return reply.code(503).send({ ok: false, error: writes.reason, ...passive });
    return { ok: true, ...passive, ...abandoned };
  });

  app.post("/rpc/v1/status", { config: { auth: "fleet" } }, async (request, reply) => {
    const parsed = parseHostReport(request.body);
    if (!parsed.success) {
      return reply.code(400).send({ error: "invalid report", ...parsed.error });
    }
    const report = parsed.data;
    // A host's credential speaks for its own instance only: another host's reports
    // cannot make a healthy host look failed (and get it rebooted), or a dead one alive.
    const reporter = request.reporter;
    if (reporter?.kind === "host" && reporter.instanceId !== report.instanceId) {
      return reply.code(403).send({
        error: "the credential is another instance's",
        field: "instanceId",
      });
    }
    // Defence in depth (and all there is for the fleet token's fallback): a report is taken only
    // from the instance's own address. The peer must be the privateIp it reports, and
    // the store takes it only if that is the inventory's private IP of the instance; so
    // a holder of the fleet token can speak only for the instance at its own address.
    const peer = peerAddress(request.socket);
    if (peer !== report.privateIp && !(deps.loopbackReports && isLoopback(peer))) {
      return reply.code(403).send({
        error: "the report does not come from the instance's private address",
        field: "privateIp",
      });
    }
    // Accepted without them: a cosmetic field that does not fit is stored as null.
    for (const field of parsed.dropped) deps.metrics.observeDroppedReportField(field);
    let outcome: ReportOutcome;
    try {
      outcome = await deps.reports.submit(report);
      if (
        outcome === "unknown-instance" &&
        (await deps.inventory.knowsAfterRefresh(report.instanceId))
      ) {
        outcome = await deps.reports.submit(report);
      }
    } catch (error) {
      // Not written, so not acknowledged: the host retries, here or after a restart.
      request.log.error({ err: error }, "report not written");
      return reply.code(503).header("retry-after", "60").send({ error: "storage unavailable" });
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

  app.get("/api/v1/hosts", { config: { heavy: true } }, async (request, reply) => {
    const query = hostsQuerySchema.safeParse(request.query);
    if (!query.success)
      return reply.code(400).send({ error: "invalid query", ...firstIssue(query.error) });
    const { limit, cursor } = query.data;
    const after = cursor === undefined ? null : decodeCursor(cursor);
    if (after === undefined) {
      return reply.code(400).send(BAD_CURSOR);
    }
    const archived = query.data.archived === "true";
    const view = deps.snapshot.current();
    // Built once per fleet snapshot (at most every few seconds) for each query, then
    // served as it is: operators polling the list cost a lookup, not 500 host views.
    // Active hosts come from the snapshot itself, serialised with it while the list is
    // being read; archived ones only the database has.
    // Kept as bytes, and sent in slices so a slow reader holds no copy (shared-body.ts).
    const body = view.memo(`hosts ${archived} ${limit} ${after}`, () => {
      let page: HostPage;
      if (archived) {
        // One more than the page, to know whether another follows without a second query.
        const rows = deps.hosts.page(after, limit + 1, true);
        const context = deps.healthContext();
        const hosts = rows.slice(0, limit);
        page = {
          generatedAt: context.now,
          total: deps.hosts.count(true),
          count: hosts.length,
          hosts: Buffer.from(hostJsonOf(deps.hosts, hosts, context).join(",")),
          nextCursor: rows.length > limit ? encodeCursor(hosts[hosts.length - 1].instanceId) : null,
        };
      } else {
        const start = indexAfter(view.hosts, after);
        const end = Math.min(start + limit, view.hosts.length);
        const serialised = view.serialisedHosts();
        page = {
          generatedAt: view.context.now,
          total: view.hosts.length,
          count: end - start,
          hosts:
            serialised?.elements(start, end) ??
            Buffer.from(
              hostJsonOf(deps.hosts, view.hosts.slice(start, end), view.context).join(","),
            ),
          nextCursor: end < view.hosts.length ? encodeCursor(view.hosts[end - 1].instanceId) : null,
        };
      }
      return hostPageJson(page);
    });
    return sendShared(reply.type("application/json"), body);
  });

  app.get("/api/v1/health-check", { config: { heavy: true } }, async (request, reply) => {
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
      ...heldNow(deps.healthCheck, cycles[0]),
      settings: {
        startupTimeoutMinutes: settings.startupTimeoutMs / 60_000,
        heartbeatTimeoutMinutes: settings.heartbeatTimeoutMs / 60_000,
        rebootCooldownMinutes: settings.cooldownMs / 60_000,
        maxRemediationAttempts: settings.maxAttempts,
        maxUnhealthy: settings.maxUnhealthy,
        saturation: settings.saturation ?? DEFAULT_SATURATION,
      },
      cycles: cycles.map((c) => ({
        ...c,
        startedAt: iso(c.startedAt),
        finishedAt: iso(c.finishedAt),
      })),
    };
  });

  // Scrapers send an operator's (a viewer's) bearer token (Prometheus: `authorization: { credentials: ... }`):
  // host counts and instance activity are not for anyone on the network to read.
  app.get("/metrics", { config: { heavy: true } }, async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
};
