// The host-manager container's environment, rendered by the fleet contract (the same
// schema the service parses it with): its settings from the stack config, the fleet
// token and Statuspage key as secrets at their own values, and never a cloud access key
// (the container gets credentials from its RAM role).
import {
  HOST_MANAGER_DATA_DIR,
  hostManagerEnvironment,
  type EnvironmentEntry,
} from "@hpc-fleet/fleet-contract";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";

export const DATA_DIR = HOST_MANAGER_DATA_DIR;

export type EnvironmentVar = EnvironmentEntry<pulumi.Input<string>>;

export interface ContainerEnvInputs {
  readonly config: Pick<
    StackConfig,
    "region" | "fleet" | "hostManager" | "healthCheck" | "secrets"
  >;
  readonly scalingGroupId: pulumi.Input<string>;
  readonly fleetToken: pulumi.Input<string>;
  readonly previousFleetToken?: pulumi.Input<string>;
  readonly roleName: pulumi.Input<string>;
  /** The hosts' current generation (the InstanceGroup's `generation`). */
  readonly generation: pulumi.Input<string>;
}

export function containerEnvironment(inputs: ContainerEnvInputs): EnvironmentVar[] {
  const { hostManager, healthCheck, region, secrets } = inputs.config;
  return hostManagerEnvironment<pulumi.Input<string>>({
    port: hostManager.port,
    // State on NAS is NFS: SQLite must not use WAL there (https://www.sqlite.org/wal.html).
    dataOnNetworkFs: hostManager.storage === "nas",
    token: pulumi.secret(inputs.fleetToken),
    ...(inputs.previousFleetToken === undefined
      ? {}
      : { tokenPrevious: pulumi.secret(inputs.previousFleetToken) }),
    region,
    scalingGroupId: inputs.scalingGroupId,
    schedule: healthCheck.schedule,
    startupTimeoutMinutes: healthCheck.startupTimeoutMinutes,
    heartbeatTimeoutMinutes: healthCheck.heartbeatTimeoutMinutes,
    rebootCooldownMinutes: healthCheck.rebootCooldownMinutes,
    maxRemediationAttempts: healthCheck.maxRemediationAttempts,
    maxUnhealthy: healthCheck.maxUnhealthy,
    replaceMode: hostManager.replaceMode,
    dryRun: hostManager.dryRun,
    // Hosts tagged with another generation are replaced, keeping this share running.
    fleetGeneration: inputs.generation,
    minHealthyPercentage: inputs.config.fleet.minHealthyPercentage,
    // The service speaks plain HTTP inside the VPC (no TLS to terminate there), and browsers
    // drop Secure cookies over HTTP: the status page's sign-in must not depend on them.
    cookieSecure: false,
    ramRoleName: inputs.roleName,
    ...(hostManager.statuspage && secrets.statuspageApiKey
      ? {
          statuspage: {
            pageId: hostManager.statuspage.pageId,
            metricIds: hostManager.statuspage.metricIds,
            apiKey: secrets.statuspageApiKey,
          },
        }
      : {}),
  });
}
