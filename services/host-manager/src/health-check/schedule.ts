// Runs the health check on its cron schedule (six fields, with seconds). A run that
// comes due while the previous cycle is still going is skipped with a warning (croner's
// `protect`), and a crashed cycle is logged: the schedule carries on either way. A
// passive manager (another holds the lease) lets its runs pass.
import { Cron } from "croner";
import type { Logger } from "pino";
import type { HealthCheck } from "./health-check";

export class HealthCheckSchedule {
  private job: Cron | undefined;

  constructor(
    readonly pattern: string,
    private readonly healthCheck: Pick<HealthCheck, "run">,
    private readonly logger: Logger,
    /** Whether this manager may act now (it holds the lease). */
    private readonly mayRun: () => boolean = () => true,
  ) {}

  start(): void {
    if (this.job) return;
    const { logger } = this;
    this.job = new Cron(
      this.pattern,
      {
        protect: (blocked) =>
          logger.warn({ startedAt: blocked.currentRun() }, "previous cycle still running"),
        catch: (error) => logger.error({ err: error }, "health check cycle crashed"),
      },
      async () => {
        if (this.mayRun()) await this.healthCheck.run();
      },
    );
  }

  stop(): void {
    this.job?.stop();
  }

  /** When the next scheduled cycle runs; null unless started (and not stopped). */
  nextRunAt(): Date | null {
    return this.job?.nextRun() ?? null;
  }
}
