// The health check's thresholds, from the environment (adapters/env): how long a host
// may take to start or stay silent, the ladder's cooldown and retry limit, the storm cap.
import type { MaxUnhealthy } from "@hpc-fleet/fleet-contract";

export type { MaxUnhealthy } from "@hpc-fleet/fleet-contract";

export interface HealthSettings {
  readonly startupTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly cooldownMs: number;
  readonly maxAttempts: number;
  readonly maxUnhealthy: MaxUnhealthy;
}
