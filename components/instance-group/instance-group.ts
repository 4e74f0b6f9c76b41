// hpc:instance-group:InstanceGroup — the fleet's Windows hosts as one ESS scaling group: its
// size, one active scaling configuration (image, instance types in order, hosts' security
// group, user-data and secret password), the spot/on-demand split, and the hosts'
// generation tag, by which the host-manager rolls them when their definition changes
// (see capacity.ts, rollout.ts).
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { assertNoProblems } from "../arg-problems";
import { withFormerType } from "../former-type";
import { resourceTags } from "../tags";
import { groupSizes, instanceGroupArgProblems, type InstanceGroupArgs } from "./args";
import { capacityPlan, type CapacityPlan } from "./capacity";
import { hostNamePattern } from "./host-name";
import { ADMIN_PASSWORD_ARGS } from "./password";
import { GENERATION_TAG, rolloutFingerprint } from "./rollout";
import { declaredCapacity, declareScheduledTasks } from "./schedules";
import { renderUserData } from "./user-data";

export const INSTANCE_GROUP_TYPE = "hpc:instance-group:InstanceGroup";
/** The token before it matched its folder; kept as an alias so stacks keep their URNs. */
const FORMER_TYPE = "hpc:fleet:InstanceGroup";

export interface InstanceGroupOutputs {
  readonly scalingGroupId: pulumi.Output<string>;
  readonly scalingConfigurationId: pulumi.Output<string>;
  readonly hostsSecurityGroupId: pulumi.Output<string>;
  /** The hosts' Administrator password (secret), for break-glass RDP. */
  readonly administratorPassword: pulumi.Output<string>;
  /** The hosts' current generation: the host-manager rolls hosts tagged with another. */
  readonly generation: pulumi.Output<string>;
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
    // Both pairs, the same: the provider's create always sends the plain pair, an unset one
    // as 0 / 0%, and sends the CapacityOptions.* pair only when set
    // (terraform-provider-alicloud resource_alicloud_ess_scaling_group.go:876-899). One pair
    // alone would ask ESS for "0 / 0%" and "50 / 30%" at once, and the docs do not say which
    // wins. The provider's own COMPOSABLE test sets only the plain pair, its COST_OPTIMIZED
    // test both, to the same values (resource_alicloud_ess_scaling_group_test.go:1850,1214).
    onDemandBaseCapacity,
    onDemandPercentageAboveBaseCapacity: onDemandPercentageAboveBase,
    capacityOptionsOnDemandBaseCapacity: onDemandBaseCapacity,
    capacityOptionsOnDemandPercentageAboveBaseCapacity: onDemandPercentageAboveBase,
    // A reclaimed spot host is replaced at once instead of waiting for the health check.
    spotInstanceRemedy: true,
  };
}

/**
 * A cloud name that a replacement does not share. ESS refuses a second scaling group of one
 * name in a region, and a second scaling configuration of one name in a group (review B6),
 * while Pulumi creates a replacement before it deletes the original. So the name carries a
 * suffix drawn anew exactly when one of `forceNewInputs` changes: they are its keepers.
 * Neither name is ForceNew (the provider renames with ModifyScalingGroup and
 * ModifyScalingConfiguration: resource_alicloud_ess_scaling_group.go:538-539,
 * resource_alicloud_ess_scaling_configuration.go:1122-1123), so the suffix's arrival renames
 * a stack's group and configuration in place: no group is replaced, no host released.
 */
function replacementSafeName(
  parent: pulumi.Resource,
  name: string,
  forceNewInputs: Record<string, pulumi.Input<string>>,
): pulumi.Output<string> {
  const suffix = new random.RandomId(
    `${name}-suffix`,
    { byteLength: 3, keepers: forceNewInputs },
    { parent },
  );
  return pulumi.interpolate`${name}-${suffix.hex}`;
}

/** Declares the group's resources as children of `parent`; the args are already checked. */
export function declareInstanceGroup(
  parent: pulumi.Resource,
  name: string,
  args: InstanceGroupArgs,
): InstanceGroupOutputs {
  const { minSize, maxSize } = groupSizes(args);
  const child = { parent };
  const plan = capacityPlan({
    strategy: args.spotStrategy,
    onDemandBaseCapacity: args.onDemandBaseCapacity,
    onDemandPercentageAboveBase: args.onDemandPercentageAboveBase,
  });
  const hostName = hostNamePattern(args.hostNamePrefix).pattern;
  const schedules = args.schedules ?? [];
  if (schedules.length > 0 && args.capacityAt === undefined) {
    throw new Error(`${name}: capacityAt is required with schedules (the program's moment)`);
  }

  const groupName = `${name}-group`;
  const group = new alicloud.ess.ScalingGroup(
    groupName,
    {
      // multiAzPolicy is the group's one ForceNew input here (resource_alicloud_ess_scaling_group.go:157).
      scalingGroupName: replacementSafeName(parent, groupName, {
        multiAzPolicy: plan.multiAzPolicy,
      }),
      minSize,
      maxSize,
      // What the schedule holds now, not the count: an up at night keeps the night's size,
      // and the restore task carries the count (schedules.ts).
      desiredCapacity: declaredCapacity(schedules, args.instanceCount, args.capacityAt),
      vswitchIds: args.vSwitchIds,
      removalPolicies: [...args.removalPolicies],
      groupDeletionProtection: args.deletionProtection,
      // Replaced hosts are released, not stopped and kept (which would still cost disks).
      scalingPolicy: "release",
      ...groupCapacityArgs(plan),
      tags: resourceTags(args.tags, "fleet", groupName),
    },
    child,
  );

  if (schedules.length > 0 && args.capacityAt !== undefined) {
    declareScheduledTasks(parent, name, group.id, {
      schedules,
      instanceCount: args.instanceCount,
      capacityAt: args.capacityAt,
      groupName,
    });
  }

  const passwordName = `${name}-admin-password`;
  const password = new random.RandomPassword(passwordName, ADMIN_PASSWORD_ARGS, child);
  const administratorPassword = pulumi.secret(password.result);

  // No secret in the user-data (the hosts register by instance identity), unless the stack
  // keeps the legacy fleet token: then it is one. renderUserData throws over 16 KB.
  const rendered = pulumi
    .all([args.hostManagerUrl, args.hostManagerCaCertPem, args.legacyFleetToken])
    .apply(([hostManagerUrl, hostManagerCaCertPem, fleetToken]) =>
      renderUserData({
        hostManagerUrl,
        hostManagerCaCertPem,
        ...(fleetToken === undefined ? {} : { fleetToken }),
        clientExecutable: args.clientExecutable,
        clientArguments: args.clientArguments,
        accountName: args.accountName,
        accountIsAdministrator: args.accountIsAdministrator,
        heartbeatSeconds: args.heartbeatSeconds,
      }),
    );
  const userData = args.legacyFleetToken === undefined ? rendered : pulumi.secret(rendered);

  const hostDefinition = {
    imageId: args.imageId,
    instanceTypes: [...args.instanceTypes],
    hostName,
    securityGroupIds: [args.hostsSecurityGroupId],
    systemDiskCategory: args.systemDiskCategory,
    systemDiskSize: args.systemDiskSizeGb,
    internetChargeType: args.internetChargeType,
    // 0 Mbps: no public address; hosts reach out through the VPC's own egress.
    internetMaxBandwidthOut: args.publicBandwidthMbps,
    spotStrategy: args.spotStrategy,
    spotPriceLimits: args.spotPriceLimits.map((limit) => ({
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
      // The password is the configuration's ForceNew input that can change here
      // (resource_alicloud_ess_scaling_configuration.go:353); a new group takes a new
      // configuration, whose name is then free anyway. The keeper stays a secret.
      scalingConfigurationName: replacementSafeName(parent, configurationName, {
        password: administratorPassword,
      }),
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
    // `enable` makes the provider call EnableScalingGroup as soon as the configuration
    // exists, and ESS then launches the desired capacity: hosts that nothing would watch,
    // repair or answer if what they report to were not up yet (review B8). A dependsOn-only
    // dependent is updated, not deleted, when what it waits for is replaced
    // delete-before-create (Pulumi's delete_before_create integration test, step 2), so a
    // replaced host-manager leaves the configuration and its hosts alone.
    { ...child, dependsOn: args.launchAfter },
  );

  const { instanceCount, minHealthyPercentage } = args;
  const keptRunning = Math.ceil((instanceCount * minHealthyPercentage) / 100);
  if (instanceCount > 0 && keptRunning >= instanceCount) {
    pulumi.log.warn(
      `${name}: fleet.minHealthyPercentage ${minHealthyPercentage} keeps all ` +
        `${instanceCount} hosts in service, so a new image or token never reaches ` +
        "running hosts: lower it to let the host-manager replace them",
      parent,
    );
  }

  return {
    scalingGroupId: group.id,
    scalingConfigurationId: configuration.id,
    hostsSecurityGroupId: pulumi.output(args.hostsSecurityGroupId),
    administratorPassword,
    generation,
  };
}

export class InstanceGroup extends pulumi.ComponentResource implements InstanceGroupOutputs {
  public readonly scalingGroupId: pulumi.Output<string>;
  public readonly scalingConfigurationId: pulumi.Output<string>;
  public readonly hostsSecurityGroupId: pulumi.Output<string>;
  public readonly administratorPassword: pulumi.Output<string>;
  public readonly generation: pulumi.Output<string>;

  constructor(name: string, args: InstanceGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    assertNoProblems(INSTANCE_GROUP_TYPE, name, instanceGroupArgProblems(args));
    super(INSTANCE_GROUP_TYPE, name, {}, withFormerType(FORMER_TYPE, opts));
    const outputs = declareInstanceGroup(this, name, args);
    this.scalingGroupId = outputs.scalingGroupId;
    this.scalingConfigurationId = outputs.scalingConfigurationId;
    this.hostsSecurityGroupId = outputs.hostsSecurityGroupId;
    this.administratorPassword = outputs.administratorPassword;
    this.generation = outputs.generation;
    // The outputs registered before the reshape, so existing stacks' state sees no change.
    this.registerOutputs({
      scalingGroupId: this.scalingGroupId,
      scalingConfigurationId: this.scalingConfigurationId,
      hostsSecurityGroupId: this.hostsSecurityGroupId,
      administratorPassword: this.administratorPassword,
    });
  }
}
