// Reads and validates the service's configuration from environment variables, with the
// schema the Pulumi program renders the container's environment from
// (@hpc-fleet/fleet-contract). Every variable is documented in the README; an invalid
// one stops the start with a message that names it.
import {
  HOST_MANAGER_ENV as ENV,
  parseHostManagerEnv,
  type CapacitySchedule,
  type FreezeWindow,
  type HostManagerEnv,
  type MaxUnhealthy,
  type ReplaceMode,
  type StatuspageMetricIds,
} from "@hpc-fleet/fleet-contract";
import type { HealthSettings } from "../../domain/health-context";
import type { SaturationSettings } from "../../domain/load";

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
  /** The component whose status and incidents follow the fleet; absent: metrics only. */
  readonly componentId?: string;
}

interface CommonConfig {
  readonly port: number;
  readonly dataDir: string;
  /** The data directory is on a network file system: SQLite's rollback journal, not WAL. */
  readonly dataOnNetworkFs: boolean;
  readonly token: string;
  /** The token being rotated out: still accepted until it is unset. */
  readonly tokenPrevious?: string;
  /** The first operator (role operator), added at start unless its name exists. */
  readonly seedOperator?: { readonly name: string; readonly token: string };
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
  /** Planned freeze windows: inside one the fleet is frozen. */
  readonly freezeWindows: readonly FreezeWindow[];
  /** Scheduled capacity (fleet.schedules), every count a number. */
  readonly capacitySchedules: readonly CapacitySchedule[];
  readonly logLevel: string;
  /**
   * How long the lease on the database lasts unrenewed: a passive manager takes over
   * after this long without a renewal (renewed every third of it).
   */
  readonly leaseTtlSeconds: number;
  /** How long a health-check cycle may take before it is abandoned. */
  readonly cycleDeadlineSeconds: number;
  /** How long an inventory refresh (the scaling group's listing) may take. */
  readonly inventoryDeadlineSeconds: number;
  /** When a host counts as saturated (shown, never remediated). */
  readonly saturation: SaturationSettings;
  /** Set the status page's session cookie with `Secure` (HTTPS or localhost only). */
  readonly cookieSecure: boolean;
  /** Push figures to Statuspage after each cycle; undefined when not configured. */
  readonly statuspage?: StatuspageConfig;
  /** Serve HTTPS with this certificate and key (PEM); plain HTTP without (dev). */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
  /** What registration checks hosts' identities against (issue 15). */
  readonly identity: IdentityConfig;
  /** Still take reports with the fleet token, beside per-host credentials. */
  readonly fleetTokenFallback: boolean;
}

/** Registration refuses every host while any of these is missing. */
export interface IdentityConfig {
  /** The Alibaba Cloud account whose instances may register. */
  readonly accountId?: string;
  /** The region the documents must name (the stack's). */
  readonly region?: string;
  /** The certificate identity documents are signed with (PEM). */
  readonly signingCertPem?: string;
}

/** The in-process scaling group: local runs, tests and the benchmark. */
export interface SimulatedCloudConfig {
  readonly cloud: "simulated";
  readonly simHosts: number;
  /** Generation the simulated group's first hosts carry; defaults to fleetGeneration. */
  readonly simGeneration?: string;
}

/** The real ESS scaling group. */
export interface AlicloudConfig {
  readonly cloud: "alicloud";
  readonly region: string;
  readonly scalingGroupId: string;
  /** Override the region's VPC endpoints (the driver's default). */
  readonly ecsEndpoint?: string;
  readonly essEndpoint?: string;
}

export type CloudConfig = SimulatedCloudConfig | AlicloudConfig;

/** Whichever cloud it names, with what that cloud needs: no cast to read `region`. */
export type Config = CommonConfig & CloudConfig;

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
  const componentId = vars[ENV.statuspageComponentId];
  const tokenPrevious = vars[ENV.tokenPrevious];
  const fleetGeneration = vars[ENV.fleetGeneration];
  const seedName = vars[ENV.seedOperatorName];
  const seedToken = vars[ENV.seedOperatorToken];
  return {
    port: vars[ENV.port],
    dataDir: vars[ENV.dataDir],
    dataOnNetworkFs: vars[ENV.dataOnNetworkFs],
    token: vars[ENV.token],
    ...(tokenPrevious !== undefined ? { tokenPrevious } : {}),
    ...(seedName !== undefined && seedToken !== undefined
      ? { seedOperator: { name: seedName, token: seedToken } }
      : {}),
    ...cloudConfig(vars),
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
    freezeWindows: vars[ENV.freezeWindows],
    capacitySchedules: vars[ENV.capacitySchedules],
    logLevel: vars[ENV.logLevel],
    leaseTtlSeconds: vars[ENV.leaseTtlSeconds],
    cycleDeadlineSeconds: vars[ENV.cycleDeadlineSeconds],
    inventoryDeadlineSeconds: vars[ENV.inventoryDeadlineSeconds],
    saturation: {
      cpuPercent: vars[ENV.saturationCpuPercent],
      memoryAvailablePercent: vars[ENV.saturationMemoryAvailablePercent],
      reports: vars[ENV.saturationReports],
    },
    cookieSecure: vars[ENV.cookieSecure],
    ...(pageId !== undefined && apiKey !== undefined && metricIds !== undefined
      ? {
          statuspage: {
            pageId,
            apiKey,
            metricIds,
            url: vars[ENV.statuspageUrl],
            ...(componentId !== undefined ? { componentId } : {}),
          },
        }
      : {}),
    ...identityConfig(vars),
  };
}

function identityConfig(
  vars: HostManagerEnv,
): Pick<CommonConfig, "tls" | "identity" | "fleetTokenFallback"> {
  const certPem = vars[ENV.tlsCertPem];
  const keyPem = vars[ENV.tlsKeyPem];
  const accountId = vars[ENV.accountId];
  const region = vars[ENV.region];
  const signingCertPem = vars[ENV.identitySigningCertPem];
  return {
    ...(certPem !== undefined && keyPem !== undefined ? { tls: { certPem, keyPem } } : {}),
    identity: {
      ...(accountId !== undefined ? { accountId } : {}),
      ...(region !== undefined ? { region } : {}),
      ...(signingCertPem !== undefined ? { signingCertPem } : {}),
    },
    fleetTokenFallback: vars[ENV.fleetTokenFallback],
  };
}

function cloudConfig(vars: HostManagerEnv): CloudConfig {
  if (vars[ENV.cloud] === "simulated") {
    const simGeneration = vars[ENV.simGeneration];
    return {
      cloud: "simulated",
      simHosts: vars[ENV.simHosts],
      ...(simGeneration !== undefined ? { simGeneration } : {}),
    };
  }
  const region = vars[ENV.region];
  const scalingGroupId = vars[ENV.scalingGroupId];
  // parseHostManagerEnv has already refused alicloud without these, naming them.
  if (!region || !scalingGroupId) throw new Error("alicloud without region or scaling group");
  const ecsEndpoint = vars[ENV.ecsEndpoint];
  const essEndpoint = vars[ENV.essEndpoint];
  return {
    cloud: "alicloud",
    region,
    scalingGroupId,
    ...(ecsEndpoint !== undefined ? { ecsEndpoint } : {}),
    ...(essEndpoint !== undefined ? { essEndpoint } : {}),
  };
}

/** The health check's thresholds, in the units the rules compare with. */
export function healthSettings(config: Config): HealthSettings {
  return {
    startupTimeoutMs: config.startupTimeoutMinutes * 60_000,
    heartbeatTimeoutMs: config.heartbeatTimeoutMinutes * 60_000,
    cooldownMs: config.rebootCooldownMinutes * 60_000,
    maxAttempts: config.maxRemediationAttempts,
    maxUnhealthy: config.maxUnhealthy,
    saturation: config.saturation,
  };
}
