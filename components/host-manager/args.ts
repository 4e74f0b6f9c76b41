// The HostManager's args and the rules they keep, checked before any resource exists: by
// the component itself, and by the stack config over the fields that parsed
// (config-keys.ts).
import type { FreezeWindow, ReplaceMode, StatuspageMetricIds } from "@hpc-fleet/fleet-contract";
import type * as pulumi from "@pulumi/pulumi";
import { collectProblems, ownArgName, type ArgName, type ArgProblem } from "../arg-problems";
import type { Tags } from "../tags";
import { eciSpecProblem } from "./eci-specs";

/** An image reference pinned by digest, optionally with its tag: what ECI can run unchanged. */
export const DIGEST_PINNED_IMAGE =
  /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$/;

/**
 * The service's settings are plain, not Inputs: they are checked before any resource
 * exists and shape the container. Secrets and what other components make are Inputs.
 */
export interface HostManagerArgs {
  /** The stack's region: the cloud API the service calls, and its RAM policy's scope. Required. */
  readonly region: string;
  /** The project tag on every host; the RAM policy reboots only hosts that carry it. Required. */
  readonly project: string;
  /** The stack name, tagged on every host likewise, and named in descriptions. Required. */
  readonly stack: string;
  /** The VPC the private DNS zone answers in. Required. */
  readonly vpcId: pulumi.Input<string>;
  /** The vSwitch the container group runs in. Required. */
  readonly vSwitchId: pulumi.Input<string>;
  /** The zone of vSwitchId, where the state's NAS file system is made. Required. */
  readonly zoneId: string;
  /** The CIDR block of vSwitchId: the one network the state's NAS admits. Required. */
  readonly vSwitchCidr: pulumi.Input<string>;
  /** The host-manager's security group (Network.hostManagerSecurityGroupId). Required. */
  readonly securityGroupId: pulumi.Input<string>;
  /**
   * The Container Registry Enterprise Edition instance (`cri-...`) the stack builds the
   * service's image into, from services/host-manager, and the container pulls by digest.
   * Required unless image is given.
   */
  readonly registryInstanceId?: string;
  /** Instead: an existing image, `registry/namespace/name@sha256:<digest>`. Defaults to none. */
  readonly image?: string;
  /** User name for an existing image's private registry; needs registryPassword. Defaults to none. */
  readonly registryUsername?: string;
  /** Password for that registry (a secret); needs registryUsername. Defaults to none. */
  readonly registryPassword?: pulumi.Input<string>;
  /** vCPUs of the container group, a count ECI offers (eci-specs.ts). Required. */
  readonly cpu: number;
  /** Memory of the container group in GB, one ECI offers with that cpu. Required. */
  readonly memoryGb: number;
  /** The port the service listens on, for the hosts' reports and the status page. Required. */
  readonly port: number;
  /** Where the service keeps its state: a NAS file system declared here, or an emptyDir. Required. */
  readonly storage: "emptyDir" | "nas";
  /** The NAS file system's storage type; a change makes a new, empty one. Required. */
  readonly nasStorageType: "Capacity" | "Performance";
  /** The private DNS zone the hosts resolve the service in, e.g. hpc-fleet.internal. Required. */
  readonly dnsZone: string;
  /** The service's name in that zone, e.g. host-manager. Required. */
  readonly dnsRecord: string;
  /** The scaling group whose hosts it checks and repairs. Required. */
  readonly scalingGroupId: pulumi.Input<string>;
  /** The hosts' current generation (InstanceGroup.generation); older hosts are rolled. Required. */
  readonly generation: pulumi.Input<string>;
  /** The bearer token the hosts send with their reports (a secret). Required. */
  readonly fleetToken: pulumi.Input<string>;
  /** The other token slot, still accepted during a rotation (a secret). Defaults to none. */
  readonly previousFleetToken?: pulumi.Input<string>;
  /**
   * The first operator's token (a secret): the host-manager adds operator SEED_OPERATOR_NAME
   * with it at start. Defaults to none (operators are then added with its CLI only).
   */
  readonly operatorToken?: pulumi.Input<string>;
  /** The health check's 6-field cron schedule, seconds first. Required. */
  readonly schedule: string;
  /** Minutes a new host has to send its first report. Required. */
  readonly startupTimeoutMinutes: number;
  /** Minutes without a report before a host counts as unhealthy. Required. */
  readonly heartbeatTimeoutMinutes: number;
  /** Minutes between reboots of one host. Required. */
  readonly rebootCooldownMinutes: number;
  /** Repairs of one host before it is replaced. Required. */
  readonly maxRemediationAttempts: number;
  /** Unhealthy hosts beyond which it repairs none, a count or a percentage ("40%"). Required. */
  readonly maxUnhealthy: string;
  /** Planned freeze windows (healthCheck.freezeWindows); none when absent. */
  readonly freezeWindows?: readonly FreezeWindow[];
  /** How it replaces a host: mark it unhealthy for ESS, or remove it. Required. */
  readonly replaceMode: ReplaceMode;
  /** Only log what it would do. Required. */
  readonly dryRun: boolean;
  /** Share of hosts a rollout keeps in service. Required. */
  readonly minHealthyPercentage: number;
  /** A Statuspage page to push the fleet's metrics to; needs statuspageApiKey. Defaults to none. */
  readonly statuspage?: { readonly pageId: string; readonly metricIds: StatuspageMetricIds };
  /** The Statuspage API key (a secret); needs statuspage. Defaults to none. */
  readonly statuspageApiKey?: pulumi.Input<string>;
  /**
   * The certificate Alibaba Cloud signs instance identity documents with (PEM), which
   * registration verifies hosts by. Defaults to none: the service then refuses every
   * registration (no copy is kept in the repo yet: see services/host-manager README).
   */
  readonly identitySigningCertPem?: pulumi.Input<string>;
  /**
   * Still accept reports sent with the shared fleet token, beside per-host credentials:
   * for one release, while hosts move to registration. Defaults to false; warns at `pulumi up`.
   */
  readonly fleetTokenFallback?: boolean;
  /** The stack's tags; each resource adds its role and Name. Required. */
  readonly tags: Tags;

  // Set by the operator-access wiring (components/operator-access), not by this component's config.
  /** Operators reach the status page over HTTPS (a TLS load balancer in front): its cookie is Secure. Defaults to false. */
  readonly statusPageBehindTls?: boolean;
}

/**
 * Every problem with the args, by property path. Each rule runs only when the args it
 * compares are given, so the stack config can check the fields that parsed.
 */
export function hostManagerArgProblems(
  args: Partial<HostManagerArgs>,
  name: ArgName = ownArgName,
): ArgProblem[] {
  return collectProblems((report) => {
    if (args.cpu !== undefined) {
      const problem = eciSpecProblem(args.cpu, args.memoryGb);
      if (problem) report(problem.arg, problem.reason);
    }
    if (args.statuspage && !args.statuspageApiKey) {
      report("statuspageApiKey", `is required when ${name("statuspage")} is set`);
    }
    if (!args.statuspage && args.statuspageApiKey) {
      report("statuspage", `is required when ${name("statuspageApiKey")} is set`);
    }
    if (args.image === undefined && args.registryInstanceId === undefined) {
      report("registryInstanceId", `is required unless ${name("image")} is set`);
    }
    if (args.image !== undefined && args.registryInstanceId !== undefined) {
      report(
        "image",
        `and ${name("registryInstanceId")} exclude each other: run one, or build one`,
      );
    }
    if (args.image !== undefined && !DIGEST_PINNED_IMAGE.test(args.image)) {
      report(
        "image",
        "must be pinned by digest (`...@sha256:<64 hex digits>`): a tag can be re-pushed",
      );
    }
    if (args.image === undefined && (args.registryUsername || args.registryPassword)) {
      report(
        args.registryUsername ? "registryUsername" : "registryPassword",
        `is only for ${name("image")}: the stack's own registry is pulled from without a password`,
      );
    }
    if (Boolean(args.registryUsername) !== Boolean(args.registryPassword)) {
      report(
        args.registryUsername ? "registryPassword" : "registryUsername",
        `${name("registryUsername")} and ${name("registryPassword")} go together`,
      );
    }
  });
}
