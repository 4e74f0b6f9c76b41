// Wires the service together from a Config: database, cloud driver, API, health
// check and its schedule, with a graceful stop. Tests inject the clock and cloud.
import { Cron } from "croner";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { ReportWriter } from "./api/report-writer";
import { buildApi } from "./api/server";
import { systemClock, type Clock } from "./clock";
import { AlicloudDriver } from "./cloud/alicloud";
import { SimulatedCloud } from "./cloud/simulated";
import type { CloudDriver } from "./cloud/types";
import type { Config } from "./config";
import { HealthCheck } from "./health/cycle";
import { Inventory } from "./health/inventory";
import type { HealthSettings } from "./health/policy";
import { createLogger } from "./logger";
import { CycleStore } from "./store/cycles";
import { openDatabase, type Db } from "./store/database";
import { HostStore } from "./store/hosts";

export interface ServiceOptions {
  readonly config: Config;
  readonly clock?: Clock;
  readonly cloud?: CloudDriver;
  readonly logger?: Logger;
  /** Run the cron schedule. Defaults to true; tests drive cycles by hand. */
  readonly schedule?: boolean;
  /** How long stop() waits for an in-flight cycle. Defaults to 30000. */
  readonly shutdownGraceMs?: number;
}

export interface Service {
  readonly app: FastifyInstance;
  readonly db: Db;
  readonly store: HostStore;
  readonly cycles: CycleStore;
  readonly cloud: CloudDriver;
  readonly healthCheck: HealthCheck;
  readonly inventory: Inventory;
  readonly logger: Logger;
  /** Listens on config.port (0 picks a free one) and returns the base URL. */
  listen(host?: string): Promise<string>;
  stop(): Promise<void>;
}

export function settingsFrom(config: Config): HealthSettings {
  return {
    startupTimeoutMs: config.startupTimeoutMinutes * 60_000,
    heartbeatTimeoutMs: config.heartbeatTimeoutMinutes * 60_000,
    cooldownMs: config.rebootCooldownMinutes * 60_000,
    maxAttempts: config.maxRemediationAttempts,
    maxUnhealthy: config.maxUnhealthy,
  };
}

export function cloudFrom(config: Config, clock: Clock): CloudDriver {
  if (config.cloud === "simulated") return new SimulatedCloud(config.simHosts, clock);
  return new AlicloudDriver({
    region: config.region as string,
    scalingGroupId: config.scalingGroupId as string,
  });
}

export function createService(options: ServiceOptions): Service {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const db = openDatabase(config.dataDir);
  const store = new HostStore(db);
  const cycles = new CycleStore(db);
  const cloud = options.cloud ?? cloudFrom(config, clock);
  const inventory = new Inventory(store, cloud, clock);
  const settings = settingsFrom(config);
  const observingSince = clock.now();
  const healthCheck = new HealthCheck({
    store,
    cycles,
    cloud,
    inventory,
    clock,
    logger,
    settings,
    replaceMode: config.replaceMode,
    dryRun: config.dryRun,
    observingSince,
  });
  let job: Cron | undefined;
  const writer = new ReportWriter(config.dataDir, clock);
  const app = buildApi({
    token: config.token,
    store,
    cycles,
    writer,
    inventory,
    clock,
    logger,
    settings,
    observingSince,
    schedule: config.schedule,
    dryRun: config.dryRun,
    nextRunAt: () => job?.nextRun() ?? null,
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
    logger,
    async listen(host = "0.0.0.0") {
      // Know the fleet before the first report arrives; a cloud error here is not fatal.
      await inventory.refresh().catch((error: unknown) => {
        logger.error({ err: String(error) }, "initial inventory refresh failed");
      });
      const url = await app.listen({ port: config.port, host });
      if (options.schedule ?? true) {
        job = new Cron(
          config.schedule,
          {
            protect: (blocked) =>
              logger.warn({ startedAt: blocked.currentRun() }, "previous cycle still running"),
            catch: (error) => logger.error({ err: error }, "health check cycle crashed"),
          },
          async () => {
            await healthCheck.run();
          },
        );
      }
      logger.info(
        { url, cloud: cloud.name, schedule: config.schedule, dryRun: config.dryRun },
        "host-manager listening",
      );
      return url;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      job?.stop();
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
      await app.close();
      await writer.close();
      db.close();
      logger.info("host-manager stopped");
    },
  };
}
