// What the operator views (the JSON API and the status page) say about how the health
// check runs, whatever runs it.
export interface HealthCheckFacts {
  /** The cron schedule, as configured. */
  readonly schedule: string;
  readonly dryRun: boolean;
  /** When the next scheduled cycle runs, if one is scheduled. */
  nextRunAt(): Date | null;
}
