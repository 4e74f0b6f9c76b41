// The host-manager container's environment, rendered by the fleet contract (the same
// schema the service parses it with): its settings from the args, the fleet token, the
// first operator's token and the Statuspage key as secrets at their own values, and never a cloud access key (the
// container gets credentials from its RAM role).
import {
  HOST_MANAGER_DATA_DIR,
  hostManagerEnvironment,
  type EnvironmentEntry,
} from "@hpc-fleet/fleet-contract";
import * as pulumi from "@pulumi/pulumi";
import type { HostManagerArgs } from "./args";

export const DATA_DIR = HOST_MANAGER_DATA_DIR;

/** The name of the operator the stack seeds (its token: the `operatorToken` output). */
export const SEED_OPERATOR_NAME = "first-operator";

export type EnvironmentVar = EnvironmentEntry<pulumi.Input<string>>;

/** What the stack makes for the hosts' registration and TLS (issue 15). */
export interface HostIdentityEnvironment {
  /** The service's certificate and its key (a secret), from the stack's private CA. */
  readonly tls: { readonly certPem: pulumi.Input<string>; readonly keyPem: pulumi.Input<string> };
  /** The account the stack deploys into: the only one whose instances may register. */
  readonly accountId: pulumi.Input<string>;
}

/**
 * The environment for `args`; `roleName` is the RAM role the service assumes for its
 * calls, `identity` what registration and TLS need.
 */
export function containerEnvironment(
  args: HostManagerArgs,
  roleName: pulumi.Input<string>,
  identity: HostIdentityEnvironment,
): EnvironmentVar[] {
  return hostManagerEnvironment<pulumi.Input<string>>({
    port: args.port,
    // State on NAS is NFS: SQLite must not use WAL there (https://www.sqlite.org/wal.html).
    dataOnNetworkFs: args.storage === "nas",
    token: pulumi.secret(args.fleetToken),
    ...(args.previousFleetToken === undefined
      ? {}
      : { tokenPrevious: pulumi.secret(args.previousFleetToken) }),
    ...(args.operatorToken === undefined
      ? {}
      : { seedOperator: { name: SEED_OPERATOR_NAME, token: pulumi.secret(args.operatorToken) } }),
    region: args.region,
    scalingGroupId: args.scalingGroupId,
    schedule: args.schedule,
    startupTimeoutMinutes: args.startupTimeoutMinutes,
    heartbeatTimeoutMinutes: args.heartbeatTimeoutMinutes,
    rebootCooldownMinutes: args.rebootCooldownMinutes,
    maxRemediationAttempts: args.maxRemediationAttempts,
    maxUnhealthy: args.maxUnhealthy,
    ...(args.freezeWindows ? { freezeWindows: args.freezeWindows } : {}),
    replaceMode: args.replaceMode,
    dryRun: args.dryRun,
    // Hosts tagged with another generation are replaced, keeping this share running.
    fleetGeneration: args.generation,
    minHealthyPercentage: args.minHealthyPercentage,
    // Operators reach the status page through the operator endpoint's TLS, or a Session
    // Manager forward to http(s)://localhost: Secure only with the endpoint (issue 14).
    cookieSecure: args.statusPageBehindTls ?? false,
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
    tls: { certPem: identity.tls.certPem, keyPem: pulumi.secret(identity.tls.keyPem) },
    accountId: identity.accountId,
    ...(args.identitySigningCertPem === undefined
      ? {}
      : { identitySigningCertPem: args.identitySigningCertPem }),
    fleetTokenFallback: args.fleetTokenFallback ?? false,
  });
}
