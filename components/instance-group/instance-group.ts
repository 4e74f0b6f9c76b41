// hpc:instance-group:InstanceGroup — the fleet's Windows hosts as one ESS scaling group: its size from
// fleet.instanceCount, one active scaling configuration (image, instance types in order,
// hosts' security group, secret user-data and password), the spot/on-demand split, and the
// hosts' generation tag, by which the host-manager rolls them when their definition changes
// (see capacity.ts, rollout.ts).
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackConfig } from "../../config";
import { withFormerType } from "../former-type";
import { resourceTags, type Tags } from "../tags";
import { capacityPlan, type CapacityPlan } from "./capacity";
import { hostNamePattern } from "./host-name";
import { PASSWORD_ARGS } from "./password";
import { GENERATION_TAG, rolloutFingerprint } from "./rollout";
import { renderUserData } from "./user-data";

export type FleetSettings = StackConfig["fleet"];

export const INSTANCE_GROUP_TYPE = "hpc:instance-group:InstanceGroup";
/** The token before it matched its folder; kept as an alias so stacks keep their URNs. */
const FORMER_TYPE = "hpc:fleet:InstanceGroup";

export interface InstanceGroupArgs {
  /** The parsed `hpc-fleet:fleet` section (sizes, types, disk, spot, client). Required. */
  readonly fleet: FleetSettings;
  /** vSwitch ids, in zone order (Network.vSwitchIds); the first is preferred under PRIORITY. */
  readonly vSwitchIds: pulumi.Input<pulumi.Input<string>[]>;
  /** The hosts' security group (Network.hostsSecurityGroupId). Required. */
  readonly hostsSecurityGroupId: pulumi.Input<string>;
  /** The Windows image to boot (WindowsImage's id, or image.existingImageId). Required. */
  readonly imageId: pulumi.Input<string>;
  /** Base URL the hosts report to, e.g. http://host-manager.hpc-fleet.internal:8080. Required. */
  readonly hostManagerUrl: pulumi.Input<string>;
  /** Bearer token the hosts send with every report; pass a secret Output. Required. */
  readonly fleetToken: pulumi.Input<string>;
  /** The stack's common tags (stackTags). Required. */
  readonly tags: Tags;
}

/** Every problem with the fleet settings, each naming its key, before any resource exists. */
export function instanceGroupArgProblems(fleet: FleetSettings): string[] {
  const problems: string[] = [];
  const { minSize, maxSize, instanceCount } = fleet;
  if (minSize > instanceCount || instanceCount > maxSize) {
    problems.push(
      `fleet.instanceCount: ${instanceCount} must lie between minSize ${minSize} and maxSize ${maxSize}`,
    );
  }
  if (fleet.spot.strategy === "SpotWithPriceLimit") {
    const priced = new Set(fleet.spot.priceLimits.map((limit) => limit.instanceType));
    const unpriced = fleet.instanceTypes.filter((type) => !priced.has(type));
    if (unpriced.length > 0) {
      problems.push(`fleet.spot.priceLimits: no price for ${unpriced.join(", ")}`);
    }
  }
  try {
    hostNamePattern(fleet.hostNamePrefix);
  } catch (error) {
    problems.push((error as Error).message);
  }
  return problems;
}

/** The group-level capacity arguments for a plan: zone spreading and the spot split. */
function groupCapacityArgs(plan: CapacityPlan): Partial<alicloud.ess.ScalingGroupArgs> {
  if (!plan.mix) return { multiAzPolicy: plan.multiAzPolicy };
  const { onDemandBaseCapacity, onDemandPercentageAboveBase } = plan.mix;
  return {
    multiAzPolicy: plan.multiAzPolicy,
    azBalance: true,
    balanceMode: "BalancedBestEffort",
    // Instance types are tried in the configured order, for on-demand and spot alike.
    allocationStrategy: "priority",
    spotAllocationStrategy: "priority",
    // The provider documents the CapacityOptions.* pair as COMPOSABLE's (the plain pair is
    // COST_OPTIMIZED's and may be rejected here).
    capacityOptionsOnDemandBaseCapacity: onDemandBaseCapacity,
    capacityOptionsOnDemandPercentageAboveBaseCapacity: onDemandPercentageAboveBase,
    // A reclaimed spot host is replaced at once instead of waiting for the health check.
    spotInstanceRemedy: true,
  };
}

export class InstanceGroup extends pulumi.ComponentResource {
  public readonly scalingGroupId: pulumi.Output<string>;
  public readonly scalingConfigurationId: pulumi.Output<string>;
  public readonly hostsSecurityGroupId: pulumi.Output<string>;
  /** The hosts' Administrator password (secret), for break-glass RDP. */
  public readonly administratorPassword: pulumi.Output<string>;
  /** The hosts' current generation: hosts tagged with another one are rolled by the host-manager. */
  public readonly generation: pulumi.Output<string>;

  constructor(name: string, args: InstanceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = instanceGroupArgProblems(args.fleet);
    if (problems.length > 0) {
      throw new Error(`${INSTANCE_GROUP_TYPE} ${name}: ${problems.join("; ")}`);
    }
    super(INSTANCE_GROUP_TYPE, name, {}, withFormerType(FORMER_TYPE, opts));
    const { fleet } = args;
    const parent = { parent: this };
    const plan = capacityPlan(fleet.spot);
    const hostName = hostNamePattern(fleet.hostNamePrefix).pattern;

    const groupName = `${name}-group`;
    const group = new alicloud.ess.ScalingGroup(
      groupName,
      {
        scalingGroupName: groupName,
        minSize: fleet.minSize,
        maxSize: fleet.maxSize,
        desiredCapacity: fleet.instanceCount,
        vswitchIds: args.vSwitchIds,
        removalPolicies: [...fleet.removalPolicies],
        groupDeletionProtection: fleet.deletionProtection,
        // Replaced hosts are released, not stopped and kept (which would still cost disks).
        scalingPolicy: "release",
        ...groupCapacityArgs(plan),
        tags: resourceTags(args.tags, "fleet", groupName),
      },
      parent,
    );

    const passwordName = `${name}-admin-password`;
    const password = new random.RandomPassword(passwordName, PASSWORD_ARGS, parent);
    const administratorPassword = pulumi.secret(password.result);

    // The fleet token makes the user-data a secret; renderUserData throws over 16 KB.
    const userData = pulumi.secret(
      pulumi.all([args.hostManagerUrl, args.fleetToken]).apply(([hostManagerUrl, fleetToken]) =>
        renderUserData({
          hostManagerUrl,
          fleetToken,
          clientExecutable: fleet.clientExecutable,
          clientArguments: fleet.clientArguments,
          accountName: fleet.accountName,
          accountIsAdministrator: fleet.accountIsAdministrator,
          heartbeatSeconds: fleet.heartbeatSeconds,
        }),
      ),
    );

    const hostDefinition = {
      imageId: args.imageId,
      instanceTypes: [...fleet.instanceTypes],
      hostName,
      securityGroupIds: [args.hostsSecurityGroupId],
      systemDiskCategory: fleet.systemDisk.category,
      systemDiskSize: fleet.systemDisk.sizeGb,
      internetChargeType: fleet.internetChargeType,
      // 0 Mbps: no public address; hosts reach out through the VPC's own egress.
      internetMaxBandwidthOut: fleet.publicBandwidthMbps,
      spotStrategy: fleet.spot.strategy,
      spotPriceLimits: fleet.spot.priceLimits.map((limit) => ({
        instanceType: limit.instanceType,
        priceLimit: limit.maxPricePerHour,
      })),
      userData,
    };

    // Unlike the definition, the password does not make hosts outdated: it is set once.
    // The digest is one-way, so it need not stay secret like the user-data it covers; kept
    // secret it would hide the hosts' tags from previews and the policy pack.
    const generation = pulumi.unsecret(pulumi.output(hostDefinition).apply(rolloutFingerprint));
    const configurationName = `${name}-config`;
    const configuration = new alicloud.ess.ScalingConfiguration(
      configurationName,
      {
        scalingGroupId: group.id,
        scalingConfigurationName: configurationName,
        ...hostDefinition,
        instanceName: hostName,
        password: administratorPassword,
        passwordInherit: false,
        active: true,
        // Enabling the group is what makes ESS launch the desired capacity.
        enable: true,
        // Lets the group (and with it its last configuration) be deleted in one step.
        forceDelete: true,
        // Propagated to every host: the host-manager finds outdated hosts by the generation.
        tags: generation.apply((value) => ({
          ...resourceTags(args.tags, "host", configurationName),
          [GENERATION_TAG]: value,
        })),
      },
      parent,
    );

    const keptRunning = Math.ceil((fleet.instanceCount * fleet.minHealthyPercentage) / 100);
    if (fleet.instanceCount > 0 && keptRunning >= fleet.instanceCount) {
      pulumi.log.warn(
        `${name}: fleet.minHealthyPercentage ${fleet.minHealthyPercentage} keeps all ` +
          `${fleet.instanceCount} hosts in service, so a new image or token never reaches ` +
          "running hosts: lower it to let the host-manager replace them",
        this,
      );
    }

    this.scalingGroupId = group.id;
    this.scalingConfigurationId = configuration.id;
    this.hostsSecurityGroupId = pulumi.output(args.hostsSecurityGroupId);
    this.administratorPassword = administratorPassword;
    this.generation = generation;
    this.registerOutputs({
      scalingGroupId: this.scalingGroupId,
      scalingConfigurationId: this.scalingConfigurationId,
      hostsSecurityGroupId: this.hostsSecurityGroupId,
      administratorPassword: this.administratorPassword,
    });
  }
}
