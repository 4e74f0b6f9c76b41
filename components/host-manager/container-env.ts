// The host-manager container's environment, rendered by the fleet contract (the same
// schema the service parses it with): its settings from the args, the fleet token and
// Statuspage key as secrets at their own values, and never a cloud access key (the
// container gets credentials from its RAM role).
import {
  HOST_MANAGER_DATA_DIR,
  hostManagerEnvironment,
  type EnvironmentEntry,
} from "@hpc-fleet/fleet-contract";
import * as pulumi from "@pulumi/pulumi";
import type { HostManagerArgs } from "./args";

export const DATA_DIR = HOST_MANAGER_DATA_DIR;

export type EnvironmentVar = EnvironmentEntry<pulumi.Input<string>>;

/** The environment for `args`; `roleName` is the RAM role the service assumes for its calls. */
export function containerEnvironment(
  args: HostManagerArgs,
  roleName: pulumi.Input<string>,
): EnvironmentVar[] {
  return hostManagerEnvironment<pulumi.Input<string>>({
    port: args.port,
    // On NAS (NFS) the service keeps SQLite out of WAL mode, which needs one host's memory.
    dataOnNetworkFs: args.storage === "nas",
    token: pulumi.secret(args.fleetToken),
    ...(args.previousFleetToken === undefined
      ? {}
      : { tokenPrevious: pulumi.secret(args.previousFleetToken) }),
    region: args.region,
    scalingGroupId: args.scalingGroupId,
    schedule: args.schedule,
    startupTimeoutMinutes: args.startupTimeoutMinutes,
    heartbeatTimeoutMinutes: args.heartbeatTimeoutMinutes,
    rebootCooldownMinutes: args.rebootCooldownMinutes,
    maxRemediationAttempts: args.maxRemediationAttempts,
    maxUnhealthy: args.maxUnhealthy,
    replaceMode: args.replaceMode,
    dryRun: args.dryRun,
    // Hosts tagged with another generation are replaced, keeping this share running.
    fleetGeneration: args.generation,
    minHealthyPercentage: args.minHealthyPercentage,
    // The service speaks plain HTTP inside the VPC (no TLS to terminate there), and browsers
    // drop Secure cookies over HTTP: the status page's sign-in must not depend on them.
    cookieSecure: false,
    ramRoleName: roleName,
    ...(args.statuspage && args.statuspageApiKey
      ? {
          statuspage: {
            pageId: args.statuspage.pageId,
            metricIds: args.statuspage.metricIds,
            apiKey: args.statuspageApiKey,
          },
        }
      : {}),
  });
}
