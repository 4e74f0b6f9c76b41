// The composition root: builds the service from a Config (storage, the cloud driver,
// the health check and its schedule, the HTTP server with the API and the status page,
// metrics, Statuspage) and stops it gracefully. Tests inject the clock and the cloud.
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createCloudDriver } from "./adapters/cloud/create-driver";
import { healthSettings, type Config } from "./adapters/env/config";
import { CycleStore } from "./adapters/storage/cycles";
import { openDatabase, type Db } from "./adapters/storage/database";
import { HostStore } from "./adapters/storage/hosts";
import { LeaseStore } from "./adapters/storage/lease";
import { RemovalQueue } from "./adapters/storage/removals";
import { ReportWriter } from "./adapters/storage/report-writer";
import { monotonicOf, systemClock, type Clock, type MonotonicClock } from "./clock";
import type { CloudDriver } from "./domain/cloud";
import type { CycleSummary } from "./domain/cycle";
import { countFleet, type FleetCounts } from "./domain/fleet-state";
import type { HealthContext } from "./domain/health-context";
import { HealthCheck } from "./health-check/health-check";
import { Inventory } from "./health-check/inventory";
import { LeaseKeeper } from "./health-check/lease-keeper";
import { HealthCheckSchedule } from "./health-check/schedule";
import { apiRoutes } from "./http/api/routes";
import { makeTokenCheck } from "./http/auth";
import type { HealthCheckFacts } from "./http/health-check-facts";
import { addLeaseGate } from "./http/lease-gate";
import { createHttpServer } from "./http/server";
import { statusPageRoutes } from "./http/status-page/routes";
import { createLogger } from "./logger";
import { ServiceMetrics } from "./metrics/prometheus";
import { StatuspagePusher, statuspageFigures, type PushOptions } from "./statuspage-push/pusher";

export interface ServiceOptions {
  readonly config: Config;
  readonly clock?: Clock;
  /** For intervals and deadlines; defaults to the clock's own (a test's), else the system's. */
  readonly monotonic?: MonotonicClock;
  readonly cloud?: CloudDriver;
  readonly logger?: Logger;
  /** Run the cron schedule. Defaults to true; tests drive cycles by hand. */
  readonly schedule?: boolean;
  /** How long stop() waits for an in-flight cycle. Defaults to 30000. */
  readonly shutdownGraceMs?: number;
  /** Export process and Node.js metrics on /metrics. Defaults to true. */
  readonly defaultMetrics?: boolean;
  /** Statuspage pushing knobs (timeout, rate, backlog); tests shorten them. */
  readonly statuspage?: Pick<PushOptions, "timeoutMs" | "minIntervalMs" | "maxPendingCycles">;
}

export interface Service {
  readonly app: FastifyInstance;
  readonly db: Db;
  readonly store: HostStore;
  readonly cycles: CycleStore;
  readonly cloud: CloudDriver;
  readonly healthCheck: HealthCheck;
  readonly inventory: Inventory;
  /** The lease that makes this manager the active one on its database, or passive. */
  readonly lease: LeaseKeeper;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  /** Set when Statuspage is configured. */
  readonly statuspage: StatuspagePusher | undefined;
  /** Listens on config.port (0 picks a free one) and returns the base URL. */
  listen(host?: string): Promise<string>;
  stop(): Promise<void>;
}

export function createService(options: ServiceOptions): Service {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const monotonic = options.monotonic ?? monotonicOf(clock);
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config.dataDir, { networkFs: config.dataOnNetworkFs });
  const store = new HostStore(db);
  const cycles = new CycleStore(db);
  const cloud = options.cloud ?? createCloudDriver(config, clock);
  const inventory = new Inventory(store, cloud, clock, {
    deadlineMs: config.inventoryDeadlineSeconds * 1000,
    monotonic,
  });
  const settings = healthSettings(config);
  const healthContext = (): HealthContext => ({
    now: clock.now(),
    observingSince: healthCheck.observingSince,
    settings,
  });
  const fleetCounts = (): FleetCounts => countFleet(store, healthContext());
  const metrics = new ServiceMetrics({
    hostsByState: fleetCounts,
    defaultMetrics: options.defaultMetrics,
  });
  const statuspage = config.statuspage
    ? new StatuspagePusher({
        ...options.statuspage,
        config: config.statuspage,
        // Real time even under a simulated clock: Statuspage's rate limit is in real seconds.
        clock: systemClock,
        logger,
        onAttempt: (outcome, pending) => metrics.observeStatuspage(outcome, pending),
      })
    : undefined;
  const onCycleDone = (summary: CycleSummary) => {
    const running = fleetCounts().running;
    metrics.observeCycle({ summary, running });
    // Fire and forget: the pusher bounds its own time and keeps what it could not send.
    statuspage?.push(statuspageFigures(summary, running), summary.finishedAt);
  };
  const healthCheck = new HealthCheck({
    store,
    cycles,
    cloud,
    removals: new RemovalQueue(db),
    inventory,
    clock,
    logger,
    settings,
    replaceMode: config.replaceMode,
    dryRun: config.dryRun,
    rollout: {
      generation: config.fleetGeneration ?? null,
      minHealthyPercentage: config.minHealthyPercentage,
    },
    observingSince: clock.now(),
    cycleDeadlineMs: config.cycleDeadlineSeconds * 1000,
    onCycleDone,
  });
  // Set once the lease's first look is done: only a later change of role is a takeover.
  let started = false;
  const lease = new LeaseKeeper({
    store: new LeaseStore(db),
    clock,
    monotonic,
    logger,
    ttlMs: config.leaseTtlSeconds * 1000,
    onChange: (role) => {
      if (role !== "active" || !started) return;
      // A takeover: nothing was received while passive, and the group may have changed.
      healthCheck.observeFrom(clock.now());
      inventory.refresh().catch((error: unknown) => {
        logger.error({ err: String(error) }, "inventory refresh after takeover failed");
      });
    },
  });
  // The lease is taken (or found held) now: a manager is active or passive from its start.
  lease.start();
  started = true;
  const schedule = new HealthCheckSchedule(config.schedule, healthCheck, logger, () =>
    lease.isActive(),
  );
  const writer = new ReportWriter(store, clock);
  const tokenMatches = makeTokenCheck(config.token, config.tokenPrevious, {
    onPreviousToken: () => metrics.observePreviousToken(),
  });
  const healthCheckFacts: HealthCheckFacts = {
    schedule: config.schedule,
    dryRun: config.dryRun,
    nextRunAt: () => schedule.nextRunAt(),
    lease: () => lease.facts(),
    abandonedAt: () => healthCheck.abandonedAt(),
  };
  const app = createHttpServer({ logger, tokenMatches, metrics });
  addLeaseGate(app, {
    isActive: () => lease.isActive(),
    retryAfterSeconds: Math.ceil(lease.ttlMs / 1000),
  });
  // Siblings: each sees only what it is given, and both run behind the server's auth hook.
  void app.register(apiRoutes, {
    hosts: store,
    cycles,
    reports: writer,
    inventory,
    healthContext,
    healthCheck: healthCheckFacts,
    metrics,
  });
  void app.register(statusPageRoutes, {
    token: config.token,
    tokenMatches,
    cookieSecure: config.cookieSecure,
    clock,
    hosts: store,
    cycles,
    healthContext,
    healthCheck: healthCheckFacts,
  });
  let stopped = false;

  return {
    app,
    db,
    store,
    cycles,
    cloud,
    healthCheck,
    inventory,
    lease,
    logger,
    metrics,
    statuspage,
    async listen(host = "0.0.0.0") {
      // Know the fleet before the first report arrives; a cloud error here is not fatal.
      // A passive manager leaves the registry to the active one (and refreshes on takeover).
      if (lease.isActive()) {
        await inventory.refresh().catch((error: unknown) => {
          logger.error({ err: String(error) }, "initial inventory refresh failed");
        });
      }
      const url = await app.listen({ port: config.port, host });
      if (options.schedule ?? true) schedule.start();
      logger.info(
        {
          url,
          cloud: cloud.name,
          ...(cloud.endpoints ? { endpoints: cloud.endpoints } : {}),
          schedule: config.schedule,
          dryRun: config.dryRun,
          statuspage: config.statuspage !== undefined,
          role: lease.isActive() ? "active" : "passive",
        },
        "host-manager listening",
      );
      return url;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      schedule.stop();
      const grace = options.shutdownGraceMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        healthCheck.idle(),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.warn({ graceMs: grace }, "in-flight cycle did not finish in time");
            resolve();
          }, grace);
        }),
      ]);
      clearTimeout(timer);
      statuspage?.close();
      await app.close();
      await writer.close();
      // Released last: a passive manager may take over once nothing here writes.
      lease.stop();
      db.close();
      logger.info("host-manager stopped");
    },
  };
}
