// Reads and validates the service's configuration from environment variables, with the
// schema the Pulumi program renders the container's environment from
// (@hpc-fleet/fleet-contract). Every variable is documented in ../README.md; an invalid
// one stops the start with a message that names it.
import {
  HOST_MANAGER_ENV as ENV,
  parseHostManagerEnv,
  type CloudKind,
  type MaxUnhealthy,
  type ReplaceMode,
  type StatuspageMetricIds,
} from "@hpc-fleet/fleet-contract";

export {
  parseMaxUnhealthy,
  parseMetricIds,
  type CloudKind,
  type MaxUnhealthy,
  type ReplaceMode,
  type StatuspageMetricIds,
} from "@hpc-fleet/fleet-contract";

export interface StatuspageConfig {
  readonly pageId: string;
  readonly apiKey: string;
  readonly metricIds: StatuspageMetricIds;
  /** API base URL, without the /v1 path. */
  readonly url: string;
}

export interface Config {
  readonly port: number;
  readonly dataDir: string;
  readonly token: string;
  /** The token being rotated out: still accepted until it is unset. */
  readonly tokenPrevious?: string;
  readonly cloud: CloudKind;
  readonly simHosts: number;
  /** Generation the simulated group's first hosts carry; defaults to fleetGeneration. */
  readonly simGeneration?: string;
  readonly region?: string;
  readonly scalingGroupId?: string;
  readonly schedule: string;
  readonly startupTimeoutMinutes: number;
  readonly heartbeatTimeoutMinutes: number;
  readonly rebootCooldownMinutes: number;
  readonly maxRemediationAttempts: number;
  readonly maxUnhealthy: MaxUnhealthy;
  readonly replaceMode: ReplaceMode;
  readonly dryRun: boolean;
  /** Digest of what the hosts should be built from; unset: no rolling replacement. */
  readonly fleetGeneration?: string;
  /** Share of the fleet (whole percent) that must stay healthy while a rollout replaces hosts. */
  readonly minHealthyPercentage: number;
  readonly logLevel: string;
  /** Set the status page's session cookie with `Secure` (HTTPS or localhost only). */
  readonly cookieSecure: boolean;
  /** Push figures to Statuspage after each cycle; undefined when not configured. */
  readonly statuspage?: StatuspageConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Validates `env` and returns the typed configuration, or throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = parseHostManagerEnv(env);
  if (!parsed.success) throw new ConfigError(parsed.problems);
  const vars = parsed.env;
  const pageId = vars[ENV.statuspagePageId];
  const apiKey = vars[ENV.statuspageApiKey];
  const metricIds = vars[ENV.statuspageMetricIds];
  const tokenPrevious = vars[ENV.tokenPrevious];
  const simGeneration = vars[ENV.simGeneration];
  const fleetGeneration = vars[ENV.fleetGeneration];
  return {
    port: vars[ENV.port],
    dataDir: vars[ENV.dataDir],
    token: vars[ENV.token],
    ...(tokenPrevious !== undefined ? { tokenPrevious } : {}),
    cloud: vars[ENV.cloud],
    simHosts: vars[ENV.simHosts],
    ...(simGeneration !== undefined ? { simGeneration } : {}),
    region: vars[ENV.region],
    scalingGroupId: vars[ENV.scalingGroupId],
    schedule: vars[ENV.schedule],
    startupTimeoutMinutes: vars[ENV.startupTimeoutMinutes],
    heartbeatTimeoutMinutes: vars[ENV.heartbeatTimeoutMinutes],
    rebootCooldownMinutes: vars[ENV.rebootCooldownMinutes],
    maxRemediationAttempts: vars[ENV.maxRemediationAttempts],
    maxUnhealthy: vars[ENV.maxUnhealthy],
    replaceMode: vars[ENV.replaceMode],
    dryRun: vars[ENV.dryRun],
    ...(fleetGeneration !== undefined ? { fleetGeneration } : {}),
    minHealthyPercentage: vars[ENV.minHealthyPercentage],
    logLevel: vars[ENV.logLevel],
    cookieSecure: vars[ENV.cookieSecure],
    ...(pageId !== undefined && apiKey !== undefined && metricIds !== undefined
      ? { statuspage: { pageId, apiKey, metricIds, url: vars[ENV.statuspageUrl] } }
      : {}),
  };
}
