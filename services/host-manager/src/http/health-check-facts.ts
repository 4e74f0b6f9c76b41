// What the operator views (the JSON API and the status page) say about how the health
// check runs, whatever runs it.
import type { LeaseFacts } from "../health-check/lease-keeper";
import type { HoldsView } from "./holds-view";

export interface HealthCheckFacts {
  /** The cron schedule, as configured. */
  readonly schedule: string;
  readonly dryRun: boolean;
  /** When the next scheduled cycle runs, if one is scheduled. */
  nextRunAt(): Date | null;
  /**
   * This manager's part: `active` (it holds the lease: runs the health check and takes
   * reports) or `passive` (another does; it serves the views and waits), and the holder.
   */
  lease?(): LeaseFacts;
  /** When the last cycle was abandoned at its deadline; null once one has finished since. */
  abandonedAt?(): number | null;
  /** The freeze and the rollout's pause in force now. */
  holds?(): HoldsView;
}
