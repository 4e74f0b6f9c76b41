// The composition root: builds the service from a Config (storage, the cloud driver,
// the health check and its schedule, the HTTP server with the API and the status page,
// metrics, Statuspage) and stops it gracefully. Tests inject the clock and the cloud.
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createCloudDriver } from "./adapters/cloud/create-driver";
import { healthSettings, type Config } from "./adapters/env/config";
import { ArchivedHosts } from "./adapters/storage/archived-hosts";
import { CycleDigests } from "./adapters/storage/cycle-digests";
import { CycleStore } from "./adapters/storage/cycles";
import { openDatabase, type Db } from "./adapters/storage/database";
import { HoldStore } from "./adapters/storage/holds";
import { HostStore } from "./adapters/storage/hosts";
import { LeaseStore } from "./adapters/storage/lease";
import { RemovalQueue } from "./adapters/storage/removals";
import { ReportWriter } from "./adapters/storage/report-writer";
import { AuditStore } from "./adapters/storage/audit";
import { OperatorStore } from "./adapters/storage/operators";
import { seedOperator } from "./seed-operator";
import { SessionStore } from "./adapters/storage/sessions";
import { clockOffsetMs, monotonicOf, steadyClock, type Clock, type MonotonicClock } from "./clock";
import { resolvedSchedules } from "./domain/capacity-schedule";
import type { CloudDriver } from "./domain/cloud";
import type { CycleSummary } from "./domain/cycle";
import { countFleet } from "./domain/fleet-state";
import { freezeAt, isFrozen } from "./domain/freeze";
import type { HealthContext } from "./domain/health-context";
import { HealthCheck } from "./health-check/health-check";
import { Inventory } from "./health-check/inventory";
import { LeaseKeeper } from "./health-check/lease-keeper";
import { HealthCheckSchedule } from "./health-check/schedule";
import { auditRoutes } from "./http/api/audit-routes";
import { freezeRoutes } from "./http/api/freeze-routes";
import { registerJobs } from "./http/api/jobs";
import { apiRoutes } from "./http/api/routes";
import { makeAuditRecorder, type AuditRecorder } from "./http/audited";
import { makeOperatorAuth } from "./http/operator-auth";
import { makeReporterCheck, makeTokenCheck } from "./http/auth";
import { HostCredentialStore } from "./adapters/storage/host-credentials";
import { StoppedClients } from "./adapters/storage/stopped-clients";
import { registrationHold } from "./identity/registration-hold";
import { registrationRoutes } from "./identity/registration-routes";
import { parseSigningCertificate } from "./identity/signed-document";
import type { HealthCheckFacts } from "./http/health-check-facts";
import { FleetSnapshot } from "./http/fleet-snapshot";
import { holdsView } from "./http/holds-view";
import { addLeaseGate } from "./http/lease-gate";
import { WindowLimiter, type WindowLimit } from "./http/rate-limit";
import { createHttpServer, type ConnectionLimits } from "./http/server";
import { STATUS_PAGE_WARMERS } from "./http/status-page/page";
import { statusPageRoutes } from "./http/status-page/routes";
import { SessionBook, SESSION_TTL_SECONDS } from "./http/status-page/session";
import { createLogger } from "./logger";
import { ServiceMetrics } from "./metrics/prometheus";
import { fleetCondition } from "./statuspage-push/fleet-condition";
import { IncidentStore } from "./statuspage-push/incident-store";
import { RequestPacer } from "./statuspage-push/pacer";
import { StatuspagePusher, statuspageFigures, type PushOptions } from "./statuspage-push/pusher";
import { StatuspageStatusPusher } from "./statuspage-push/status-pusher";

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
  /**
   * How old the fleet snapshot behind the status page, the host list and the host gauge
   * may be served. Defaults to 5000; tests that look right after a report set 0.
   */
  readonly snapshotMaxAgeMs?: number;
  /**
   * Accept host reports from loopback whatever their privateIp (see the API's
   * loopbackReports). Defaults to false; main.ts sets it only for the simulated cloud.
   */
  readonly loopbackReports?: boolean;
  /**
   * Told once when the report writer hits a storage fault (I/O error, full disk,
   * read-only database) and stops acknowledging reports. main.ts exits on it so the
   * supervisor restarts the service; by default it is only logged.
   */
  readonly onStorageFault?: (error: unknown) => void;
  /** Socket caps and timeouts; defaults in DEFAULT_CONNECTION_LIMITS (http/server.ts). */
  readonly connectionLimits?: Partial<ConnectionLimits>;
  /** Per-address request limits; defaults in DEFAULT_REQUEST_LIMITS. */
  readonly requestLimits?: Partial<RequestLimits>;
  /** Statuspage pushing knobs (timeout, rate, backlog); tests shorten them. */
  readonly statuspage?: Pick<PushOptions, "timeoutMs" | "minIntervalMs" | "maxPendingCycles">;
}

export interface RequestLimits {
  /** Heavy reads (host pages, cycles, the status page, metrics) per source address. */
  readonly heavyReads: WindowLimit;
  /** Wrong tokens and failed sign-ins per source address, before it is refused a while. */
  readonly guesses: WindowLimit;
  /** Failed sign-ins per operator name, from any address. */
  readonly signInsPerName: WindowLimit;
  /** Challenges and registrations per source address (a host makes two per boot). */
  readonly registrations: WindowLimit;
}

/**
 * An operator paging 10,000 hosts at 500 a page needs 20 reads, a status page tab 2 a
 * minute, a scraper 4: 120 a minute leaves room for all of them from one address. Ten
 * wrong tokens a minute is more than a misconfigured host retries, and far too few to
 * guess a 32-character token.
 */
export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  heavyReads: { limit: 120, windowMs: 60_000 },
  guesses: { limit: 10, windowMs: 60_000 },
  signInsPerName: { limit: 10, windowMs: 60_000 },
  registrations: { limit: 20, windowMs: 60_000 },
};

export interface Service {
  readonly app: FastifyInstance;
  readonly db: Db;
  readonly store: HostStore;
  /** Named operators (the CLI adds and revokes them). */
  readonly operators: OperatorStore;
  readonly audit: AuditStore;
  /** Hosts' credentials and registration challenges. */
  readonly credentials: HostCredentialStore;
  /** Writes an operator action to the audit log: for state-changing routes. */
  readonly recordAction: AuditRecorder;
  readonly cycles: CycleStore;
  readonly cloud: CloudDriver;
  readonly healthCheck: HealthCheck;
  readonly inventory: Inventory;
  /** The lease that makes this manager the active one on its database, or passive. */
  readonly lease: LeaseKeeper;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  /** The fleet as the operator views see it. */
  readonly snapshot: FleetSnapshot;
  /** Set when Statuspage is configured. */
  readonly statuspage: StatuspagePusher | undefined;
  /** Set when a Statuspage component is configured: its status and incidents. */
  readonly statuspageStatus: StatuspageStatusPusher | undefined;
  /** Listens on config.port (0 picks a free one) and returns the base URL. */
  listen(host?: string): Promise<string>;
  stop(): Promise<void>;
}

export function createService(options: ServiceOptions): Service {
  const { config } = options;
  // Steady: every elapsed time is a difference of two readings, untouched by clock steps.
  const clock = options.clock ?? steadyClock;
  const monotonic = options.monotonic ?? monotonicOf(clock);
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config.dataDir, { networkFs: config.dataOnNetworkFs });
  const store = new HostStore(db);
  const sessions = new SessionStore(db);
  const operators = new OperatorStore(db);
  const audit = new AuditStore(db);
  // The start-up writes, made by the active manager only (at its start, or when it takes
  // over): a passive one writes nothing to the shared database (see http/lease-gate.ts).
  const takeCharge = () => {
    // Written under a clock since set back, they would stop every timeout until it caught up.
    const clamped = store.clampFutureTimestamps(clock.now());
    if (clamped > 0) logger.warn({ hosts: clamped }, "host timestamps later than now set to now");
    sessions.capExpiry(clock.now() + SESSION_TTL_SECONDS * 1000);
    if (config.seedOperator) seedOperator(operators, audit, config.seedOperator, clock, logger);
  };
  const sessionBook = new SessionBook(config.token, sessions);
  const cycles = new CycleStore(db);
  const holds = new HoldStore(db);
  const signer =
    config.identity.signingCertPem === undefined
      ? undefined
      : parseSigningCertificate(config.identity.signingCertPem);
  const canRegister =
    signer !== undefined && !!config.identity.accountId && !!config.identity.region;
  const heldForRegistration = registrationHold(canRegister, config.fleetTokenFallback, clock.now());
  // What the health check reads: the host-manager's own hold first, then the stored one.
  const cycleHolds = {
    freeze: () => heldForRegistration ?? holds.freeze(),
    rolloutPause: () => holds.rolloutPause(),
  };
  // The freeze in force: the hold, the one set by hand, else the planned window.
  const freezeNow = () => freezeAt(cycleHolds.freeze(), config.freezeWindows, clock.now());
  const cloud = options.cloud ?? createCloudDriver(config, clock);
  const inventory = new Inventory(store, cloud, clock, {
    deadlineMs: config.inventoryDeadlineSeconds * 1000,
    monotonic,
  });
  const settings = healthSettings(config);
  // observingSince moves on a takeover (a passive manager received nothing meanwhile).
  const stoppedClients = new StoppedClients(db);
  const healthContext = (): HealthContext => ({
    now: clock.now(),
    observingSince: healthCheck.observingSince,
    settings,
    clientsStopped: stoppedClients.now(),
  });
  const snapshot = new FleetSnapshot({
    hosts: store,
    cycles,
    healthContext,
    clock,
    maxAgeMs: options.snapshotMaxAgeMs ?? 5_000,
    onError: (error) => logger.error({ err: error }, "fleet snapshot rebuild failed"),
    pageWarmers: STATUS_PAGE_WARMERS,
  });
  const metrics = new ServiceMetrics({
    hostsByState: () => snapshot.counts(),
    frozen: () => isFrozen(freezeNow(), clock.now()),
    clockOffsetMs: options.clock ? undefined : () => clockOffsetMs(clock),
    ...(config.fleetGeneration !== undefined ? { fleetGeneration: config.fleetGeneration } : {}),
    defaultMetrics: options.defaultMetrics,
    spotAndLoad: {
      saturated: () => snapshot.current().fleet.saturated,
      reclaiming: () => store.countReclaiming(),
    },
  });
  // One pace for every request of the key: Statuspage's rate limit is in real seconds,
  // so real time even under a simulated clock.
  const statuspagePacer = config.statuspage
    ? new RequestPacer(options.statuspage?.minIntervalMs, steadyClock)
    : undefined;
  const statuspage = config.statuspage
    ? new StatuspagePusher({
        ...options.statuspage,
        config: config.statuspage,
        pacer: statuspagePacer,
        logger,
        onAttempt: (outcome, pending) => metrics.observeStatuspage("metrics", outcome, pending),
      })
    : undefined;
  const statuspageComponentId = config.statuspage?.componentId;
  const statuspageStatus =
    config.statuspage && statuspagePacer && statuspageComponentId !== undefined
      ? new StatuspageStatusPusher({
          config: { ...config.statuspage, componentId: statuspageComponentId },
          incidents: new IncidentStore(db),
          pacer: statuspagePacer,
          logger,
          now: () => clock.now(),
          timeoutMs: options.statuspage?.timeoutMs,
          onAttempt: (request, outcome) => metrics.observeStatuspage(request, outcome),
        })
      : undefined;
  const onCycleDone = (summary: CycleSummary) => {
    // The cycle changed what the views show: the next read rebuilds the snapshot. The
    // cycle's own figures are read now, from a narrow scan, once per cycle.
    snapshot.invalidate();
    metrics.observeCycle({ summary });
    // Fire and forget: the pushers bound their own time and keep what they could not send.
    if (statuspage) {
      const running = countFleet(store, healthContext()).running;
      statuspage.push(statuspageFigures(summary, running), summary.finishedAt);
    }
    metrics.spotAndLoad?.observeCycle(summary);
    statuspageStatus?.show(fleetCondition(summary));
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
    holds: cycleHolds,
    freezeWindows: config.freezeWindows,
    capacitySchedules: resolvedSchedules(config.capacitySchedules, clock.now()),
    rollout: {
      generation: config.fleetGeneration ?? null,
      minHealthyPercentage: config.minHealthyPercentage,
    },
    observingSince: clock.now(),
    clientsStopped: () => stoppedClients.now(),
    cycleDeadlineMs: config.cycleDeadlineSeconds * 1000,
    onCycleDone,
  });
  const credentials = new HostCredentialStore(db);
  // Set once the lease's first look is done: only a later change of role is a takeover.
  let started = false;
  const lease = new LeaseKeeper({
    store: new LeaseStore(db),
    clock,
    monotonic,
    logger,
    ttlMs: config.leaseTtlSeconds * 1000,
    onChange: (role) => {
      // The other manager may have issued host credentials meanwhile.
      credentials.forgetCached();
      if (role !== "active" || !started) return;
      try {
        takeCharge();
      } catch (error) {
        logger.error({ err: String(error) }, "start-up writes after takeover failed");
      }
      // A takeover: nothing was received while passive, and the group may have changed.
      healthCheck.observeFrom(clock.now());
      inventory.refresh().catch((error: unknown) => {
        logger.error({ err: String(error) }, "inventory refresh after takeover failed");
      });
    },
  });
  // The lease is taken (or found held) now: a manager is active or passive from its start.
  lease.start();
  if (lease.isActive()) takeCharge();
  started = true;
  const schedule = new HealthCheckSchedule(config.schedule, healthCheck, logger, () =>
    lease.isActive(),
  );
  const writer = new ReportWriter(store, clock, {
    onStorageFault: (error) => {
      logger.fatal({ err: error }, "storage fault: reports are no longer acknowledged");
      options.onStorageFault?.(error);
    },
  });
  const tokenMatches = makeTokenCheck(config.token, config.tokenPrevious, {
    onPreviousToken: () => metrics.observePreviousToken(),
  });
  const reporter = makeReporterCheck({
    instanceOf: (credential) => credentials.instanceOf(credential),
    ...(config.fleetTokenFallback ? { fleetToken: tokenMatches } : {}),
  });
  if (config.fleetTokenFallback) {
    logger.warn(
      "reports are still accepted with the shared fleet token (HOST_MANAGER_FLEET_TOKEN_FALLBACK): " +
        "any holder can report for any host; turn it off once every host registers",
    );
  }
  if (!canRegister) {
    logger.error(
      "registration is not configured (HOST_MANAGER_IDENTITY_SIGNING_CERT_PEM, " +
        "HOST_MANAGER_ACCOUNT_ID and HOST_MANAGER_REGION are all needed): every host is refused" +
        (heldForRegistration ? "; the fleet is held, nothing is remediated" : ""),
    );
  }
  const healthCheckFacts: HealthCheckFacts = {
    schedule: config.schedule,
    dryRun: config.dryRun,
    nextRunAt: () => schedule.nextRunAt(),
    lease: () => lease.facts(),
    abandonedAt: () => healthCheck.abandonedAt(),
    holds: () =>
      holdsView({ freeze: freezeNow, rolloutPause: () => holds.rolloutPause() }, clock.now()),
  };
  const requestLimits = { ...DEFAULT_REQUEST_LIMITS, ...options.requestLimits };
  const guesses = new WindowLimiter(requestLimits.guesses, clock);
  const app = createHttpServer({
    logger,
    tokenMatches,
    operatorAuth: makeOperatorAuth({ operators, sessions: sessionBook, clock }),
    metrics,
    heavyReads: new WindowLimiter(requestLimits.heavyReads, clock),
    guesses,
    connections: options.connectionLimits,
    reporter,
    ...(config.tls ? { tls: config.tls } : {}),
  });
  addLeaseGate(app, {
    isActive: () => lease.isActive(),
    activeHolder: () => lease.facts().holder,
    retryAfterSeconds: Math.ceil(lease.ttlMs / 1000),
  });
  // Siblings: each sees only what it is given, and both run behind the server's auth hook.
  void app.register(apiRoutes, {
    hosts: store,
    snapshot,
    cycles: new CycleDigests(db),
    reports: writer,
    inventory,
    healthContext,
    healthCheck: healthCheckFacts,
    metrics,
    loopbackReports: options.loopbackReports ?? false,
  });
  void app.register(registrationRoutes, {
    credentials,
    trust: {
      ...(signer ? { signer } : {}),
      ...(config.identity.accountId ? { accountId: config.identity.accountId } : {}),
      ...(config.identity.region ? { region: config.identity.region } : {}),
    },
    clock,
    logger,
    limiter: new WindowLimiter(requestLimits.registrations, clock),
    inGroup: async (instanceId) =>
      store.isKnown(instanceId) || (await inventory.knowsAfterRefresh(instanceId)),
  });
  const recordAction = makeAuditRecorder(audit, clock);
  void app.register(freezeRoutes, { holds, clock, record: recordAction });
  void app.register(auditRoutes, { audit });
  const { store: jobs, sweep: sweepJobs } = registerJobs(app, {
    db,
    hosts: store,
    clock,
    record: recordAction,
    healthContext,
    frozen: () => isFrozen(freezeNow(), clock.now()),
    loopbackReports: options.loopbackReports ?? false,
    isActive: () => lease.isActive(),
  });
  void app.register(statusPageRoutes, {
    sessions: sessionBook,
    operators,
    audit,
    cookieSecure: config.cookieSecure,
    clock,
    snapshot,
    hosts: store,
    hostRecords: store,
    archived: new ArchivedHosts(db),
    cycles,
    holds,
    jobs,
    sweepJobs,
    record: recordAction,
    healthCheck: healthCheckFacts,
    guesses,
    signInsPerName: new WindowLimiter(requestLimits.signInsPerName, clock),
    metrics,
  });
  let stopped = false;

  return {
    app,
    db,
    store,
    operators,
    audit,
    credentials,
    recordAction,
    cycles,
    cloud,
    healthCheck,
    inventory,
    lease,
    logger,
    metrics,
    snapshot,
    statuspage,
    statuspageStatus,
    async listen(host = "0.0.0.0") {
      // Know the fleet before the first report arrives; a cloud error here is not fatal.
      // A passive manager leaves the registry to the active one (and refreshes on takeover).
      if (lease.isActive()) {
        await inventory.refresh().catch((error: unknown) => {
          logger.error({ err: String(error) }, "initial inventory refresh failed");
        });
      }
      // The first snapshot is built at once (all hosts in one read): here, not in the
      // first request that needs it.
      snapshot.current();
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
      statuspageStatus?.close();
      await statuspageStatus?.settled();
      await app.close();
      await snapshot.settled();
      await writer.close();
      // Released last: a passive manager may take over once nothing here writes.
      lease.stop();
      db.close();
      logger.info("host-manager stopped");
    },
  };
}
