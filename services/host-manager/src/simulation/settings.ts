// The simulated fleet's knobs, from the same environment as the service's own
// (HOST_MANAGER_SIM_*, in @hpc-fleet/fleet-contract), validated by the same schema.
import { randomInt } from "node:crypto";
import { HOST_MANAGER_ENV as ENV, parseHostManagerEnv } from "@hpc-fleet/fleet-contract";
import { ConfigError } from "../adapters/env/config";
import type { SimulationSettings } from "./fleet-simulator";

export interface SimulationConfig extends SimulationSettings {
  /** How long a reboot keeps a machine down. */
  readonly rebootMs: number;
  /** How long from a replace to the new machine. */
  readonly replaceDelayMs: number;
}

export function loadSimulationConfig(env: NodeJS.ProcessEnv): SimulationConfig {
  const parsed = parseHostManagerEnv(env);
  if (!parsed.success) throw new ConfigError(parsed.problems);
  const vars = parsed.env;
  return {
    heartbeatMs: vars[ENV.simHeartbeatSeconds] * 1000,
    failureShare: vars[ENV.simFailureShare] / 100,
    rebootHealsShare: vars[ENV.simRebootHealsShare] / 100,
    failuresPerHour: vars[ENV.simFailuresPerHour],
    rebootMs: vars[ENV.simRebootSeconds] * 1000,
    replaceDelayMs: vars[ENV.simReplaceSeconds] * 1000,
    seed: vars[ENV.simSeed] ?? randomInt(1_000_000_000),
  };
}
