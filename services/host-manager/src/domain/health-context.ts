// What every health judgement is made against: the time, when this process began
// watching (the start-up grace), and the thresholds from the environment.
import type { MaxUnhealthy } from "@hpc-fleet/fleet-contract";
import type { SaturationSettings } from "./load";

export type { MaxUnhealthy } from "@hpc-fleet/fleet-contract";

/** The health check's thresholds (see adapters/env for where they come from). */
export interface HealthSettings {
  readonly startupTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly cooldownMs: number;
  readonly maxAttempts: number;
  readonly maxUnhealthy: MaxUnhealthy;
  /** When a host is flagged saturated; DEFAULT_SATURATION when absent. Never remediated. */
  readonly saturation?: SaturationSettings;
}

export interface HealthContext {
  /** Milliseconds since the epoch. */
  readonly now: number;
  /**
   * When this process began watching the hosts: no timeout runs from before it, so a
   * fresh database or a restart after downtime never blames hosts for reports the
   * manager could not receive.
   */
  readonly observingSince: number;
  readonly settings: HealthSettings;
  /**
   * Hosts whose client a fleet job stopped on purpose, and when: their exited client is
   * what the operator asked for, until it runs again (adapters/storage/stopped-clients.ts).
   */
  readonly clientsStopped?: ReadonlyMap<string, number>;
}
