// The InstanceGroup's args and the rules they keep, checked before any resource exists: by
// the group itself, and by the stack config over the fields that parsed (config-keys.ts).
import type { CapacitySchedule } from "@hpc-fleet/fleet-contract";
import type * as pulumi from "@pulumi/pulumi";
import { collectProblems, ownArgName, type ArgName, type ArgProblem } from "../arg-problems";
import type { Tags } from "../tags";
import { hostNamePrefixProblem } from "./host-name";
import { scheduleProblems } from "./schedule-rules";
import { CLIENT_ARGUMENTS_BUDGET } from "./user-data";

export type SpotStrategy = "NoSpot" | "SpotWithPriceLimit" | "SpotAsPriceGo";

export interface SpotPriceLimit {
  readonly instanceType: string;
  readonly maxPricePerHour: number;
}

/**
 * What shapes the group is plain, not Inputs: it is checked before any resource exists
 * and decides the zone policy, the host names and the user-data. What other components
 * make (the network, the image, the host-manager's URL and CA) are Inputs.
 */
export interface InstanceGroupArgs {
  /** Hosts the group keeps running: its desired capacity. Required. */
  readonly instanceCount: number;
  /** The group's minimum size, at most instanceCount; a host can go below it. Defaults to 0. */
  readonly minSize?: number;
  /** The group's maximum size, at least instanceCount. Defaults to instanceCount. */
  readonly maxSize?: number;
  /** vSwitch ids in zone order (Network.vSwitchIds); hosts are spread over them. Required. */
  readonly vSwitchIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Which hosts ESS removes first when the group shrinks, in order. Required. */
  readonly removalPolicies: readonly string[];
  /** Whether the group refuses to be deleted. Required. */
  readonly deletionProtection: boolean;
  /** Spot or on-demand hosts: NoSpot, SpotWithPriceLimit or SpotAsPriceGo. Required. */
  readonly spotStrategy: SpotStrategy;
  /** Highest hourly price per instance type; SpotWithPriceLimit needs every type's. Required. */
  readonly spotPriceLimits: readonly SpotPriceLimit[];
  /** On-demand hosts before any spot one, at most maxSize. Required. */
  readonly onDemandBaseCapacity: number;
  /** Share of on-demand hosts above the base, 0 to 100. Required. */
  readonly onDemandPercentageAboveBase: number;
  /** The Windows image the hosts boot (WindowsImage.imageId). Required. */
  readonly imageId: pulumi.Input<string>;
  /** Instance types, tried in this order. Required. */
  readonly instanceTypes: readonly string[];
  /** Start of every host name; with ESS's sequence it must fit Windows' 15 characters. Required. */
  readonly hostNamePrefix: string;
  /** The hosts' security group (Network.hostsSecurityGroupId). Required. */
  readonly hostsSecurityGroupId: pulumi.Input<string>;
  /** The hosts' system disk category, e.g. cloud_essd. Required. */
  readonly systemDiskCategory: string;
  /** The hosts' system disk size in GB. Required. */
  readonly systemDiskSizeGb: number;
  /** How public traffic is billed: PayByTraffic or PayByBandwidth. Required. */
  readonly internetChargeType: string;
  /** Public bandwidth per host in Mbps; 0 gives hosts no public address. Required. */
  readonly publicBandwidthMbps: number;
  /** Base URL the hosts report to: https, the private DNS name, e.g. https://host-manager.hpc-fleet.internal:8080. Required. */
  readonly hostManagerUrl: pulumi.Input<string>;
  /**
   * The private CA's certificate (PEM, public) the host-manager's TLS certificate chains to
   * (HostManager.caCertPem); the hosts trust it for that endpoint only. Required.
   */
  readonly hostManagerCaCertPem: pulumi.Input<string>;
  /**
   * The shared fleet token, only with hostManager.legacyFleetToken (one release): hosts fall
   * back to it when they cannot register. Pass a secret Output. Defaults to none: no secret
   * in the user-data.
   */
  readonly legacyFleetToken?: pulumi.Input<string>;
  /** The benchmark client each host runs (a Windows path). Required. */
  readonly clientExecutable: string;
  /** The client's arguments; at most 12,000 characters as JSON, to fit the user-data. Required. */
  readonly clientArguments: readonly string[];
  /** The Windows account the client runs as. Required. */
  readonly accountName: string;
  /** Whether that account is an Administrator. Required. */
  readonly accountIsAdministrator: boolean;
  /** Seconds between a host's reports. Required. */
  readonly heartbeatSeconds: number;
  /** Share of hosts a rollout keeps in service; warned about if it keeps them all. Required. */
  readonly minHealthyPercentage: number;
  /** The stack's tags; each resource adds its role and Name. Required. */
  readonly tags: Tags;
  /**
   * Scheduled capacity, as ESS scheduled tasks; each count within minSize and maxSize, or
   * "instanceCount". Defaults to none.
   */
  readonly schedules?: readonly CapacitySchedule[];
  /**
   * The moment the program runs: the schedule's capacity then is the group's declared
   * desired capacity (schedules.ts). Required with schedules.
   */
  readonly capacityAt?: Date;
  /** What must be up before ESS launches a host (the HostManager); may come later. Defaults to none. */
  readonly launchAfter?: pulumi.Input<pulumi.Resource[]>;
}

/**
 * Whether ESS receives `price` as written: the provider sends a spot price limit with
 * strconv.FormatFloat(v, 'f', 2, 64) (terraform-provider-alicloud
 * resource_alicloud_ess_scaling_configuration.go:845), so a third decimal is rounded away
 * and a limit below 0.005 goes out as 0.00.
 */
function isCentPrecise(price: number): boolean {
  const cents = price * 100;
  return Math.abs(cents - Math.round(cents)) < 1e-6;
}

type GroupSizing = Pick<InstanceGroupArgs, "instanceCount" | "minSize" | "maxSize">;

/**
 * The group's minimum and maximum sizes. The maximum defaults to the instance count. The
 * minimum defaults to 0, not to the count: RemoveInstances fails when the group would drop
 * below MinSize (https://www.alibabacloud.com/help/en/auto-scaling/developer-reference/api-ess-2014-08-28-removeinstances),
 * so with MinSize at the count the host-manager could never remove a host to replace it.
 * The desired capacity, not the minimum, holds the count; ESS takes MinSize 0 with it
 * (MinSize <= DesiredCapacity <= MaxSize). A desired capacity of 0 is never sent at create
 * (the provider sends it only when set and non-zero: resource_alicloud_ess_scaling_group.go:864-866);
 * a group created with no hosts then holds MinSize, which is 0 as well.
 */
export function groupSizes(args: GroupSizing): { minSize: number; maxSize: number } {
  return {
    minSize: args.minSize ?? 0,
    maxSize: args.maxSize ?? args.instanceCount,
  };
}

/**
 * Every problem with the args, by property path. Each rule runs only when the args it
 * compares are given, so the stack config can check the fields that parsed.
 */
export function instanceGroupArgProblems(
  args: Partial<InstanceGroupArgs>,
  name: ArgName = ownArgName,
): ArgProblem[] {
  const { instanceCount, instanceTypes, spotPriceLimits, hostNamePrefix, clientArguments } = args;
  return collectProblems((report) => {
    if (clientArguments) {
      const length = JSON.stringify(clientArguments).length;
      if (length > CLIENT_ARGUMENTS_BUDGET) {
        report(
          "clientArguments",
          `must total at most ${CLIENT_ARGUMENTS_BUDGET} characters as JSON, to fit ECS's 16 KB user-data (got ${length})`,
        );
      }
    }
    if (hostNamePrefix !== undefined) {
      const problem = hostNamePrefixProblem(hostNamePrefix);
      if (problem) report("hostNamePrefix", problem);
    }
    if (instanceCount !== undefined) {
      const { minSize, maxSize } = groupSizes({ ...args, instanceCount });
      const count = name("instanceCount");
      if (minSize > instanceCount) {
        report("minSize", `must not exceed ${count} (${minSize} > ${instanceCount})`);
      }
      if (maxSize < instanceCount) {
        report("maxSize", `must not be below ${count} (${maxSize} < ${instanceCount})`);
      }
      if (args.onDemandBaseCapacity !== undefined && args.onDemandBaseCapacity > maxSize) {
        report("onDemandBaseCapacity", `must not exceed the group's maximum size (${maxSize})`);
      }
    }
    if (args.schedules?.length) {
      for (const problem of scheduleProblems({ ...args, schedules: args.schedules }, name)) {
        report(problem.propertyPath, problem.reason);
      }
    }
    spotPriceLimits?.forEach(({ maxPricePerHour }, index) => {
      if (!isCentPrecise(maxPricePerHour)) {
        report(
          `spotPriceLimits[${index}].maxPricePerHour`,
          `must have at most 2 decimals, as the provider sends it to ESS (got ${maxPricePerHour})`,
        );
      }
    });
    if (instanceTypes && spotPriceLimits) {
      if (args.spotStrategy === "SpotWithPriceLimit") {
        const priced = new Set(spotPriceLimits.map((limit) => limit.instanceType));
        const unpriced = instanceTypes.filter((type) => !priced.has(type));
        if (unpriced.length > 0)
          report("spotPriceLimits", `has no price for ${unpriced.join(", ")}`);
      }
      spotPriceLimits.forEach((limit, index) => {
        if (!instanceTypes.includes(limit.instanceType)) {
          report(
            `spotPriceLimits[${index}].instanceType`,
            `${limit.instanceType} is not in ${name("instanceTypes")}`,
          );
        }
      });
    }
  });
}
