// hpc:network:Network — the fleet's VPC, one vSwitch per zone (or existing ones), and
// the three security groups with explicit ingress rules (see rules.ts for which).
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { isWholeInternet } from "../../config/cidr";
import type { StackConfig } from "../../config";
import { resourceTags, stackTags, type Tags } from "../tags";
import { ingressRules, SECURITY_GROUP_ROLES, type SecurityGroupRole } from "./rules";

export const NETWORK_TYPE = "hpc:network:Network";

export interface NetworkArgs {
  /** Zone ids, in order; one vSwitch per zone. Required. */
  readonly zones: readonly string[];
  /** The new VPC's CIDR block. Ignored with existingVpcId. Required otherwise. */
  readonly vpcCidr: string;
  /** One CIDR per zone, inside vpcCidr. Ignored with existingVSwitchIds. */
  readonly vSwitchCidrs: readonly string[];
  /** Use this VPC instead of creating one; needs existingVSwitchIds. Defaults to none. */
  readonly existingVpcId?: string;
  /** One existing vSwitch per zone, in zone order; needs existingVpcId. Defaults to none. */
  readonly existingVSwitchIds?: readonly string[];
  /** Networks admitted to the hosts on WinRM-HTTPS (5986) and RDP (3389). Defaults to none. */
  readonly adminCidrs?: readonly string[];
  /** Networks admitted to the Packer build instance on WinRM-HTTPS. Defaults to none. */
  readonly builderCidrs?: readonly string[];
  /** The host-manager's API port, open only to the hosts' group. Required. */
  readonly hostManagerPort: number;
  /** The stack's common tags (stackTags). Required. */
  readonly tags: Tags;
}

/** NetworkArgs from the parsed stack config: what components/fleet.ts passes. */
export function networkArgsFromConfig(config: StackConfig): NetworkArgs {
  return {
    ...config.network,
    hostManagerPort: config.hostManager.port,
    tags: stackTags(config),
  };
}

/** Every problem with the args, each naming its field, before any resource exists. */
export function networkArgProblems(args: NetworkArgs): string[] {
  const problems: string[] = [];
  const zoneCount = args.zones.length;
  if (zoneCount === 0) problems.push("zones: must list at least one zone");
  if ((args.existingVpcId === undefined) !== (args.existingVSwitchIds === undefined)) {
    problems.push("existingVpcId and existingVSwitchIds: must be set together");
  }
  if (args.existingVSwitchIds && args.existingVSwitchIds.length !== zoneCount) {
    problems.push(`existingVSwitchIds: must list one vSwitch per zone (${zoneCount})`);
  }
  if (!args.existingVSwitchIds && args.vSwitchCidrs.length !== zoneCount) {
    problems.push(`vSwitchCidrs: must list one CIDR per zone (${zoneCount})`);
  }
  for (const key of ["adminCidrs", "builderCidrs"] as const) {
    for (const block of args[key] ?? []) {
      if (isWholeInternet(block)) problems.push(`${key}: ${block} would open WinRM/RDP to all`);
    }
  }
  return problems;
}

export class Network extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  /** vSwitch ids in zone order. */
  public readonly vSwitchIds: pulumi.Output<string[]>;
  public readonly hostsSecurityGroupId: pulumi.Output<string>;
  public readonly hostManagerSecurityGroupId: pulumi.Output<string>;
  public readonly buildSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = networkArgProblems(args);
    if (problems.length > 0) {
      throw new Error(`${NETWORK_TYPE} ${name}: ${problems.join("; ")}`);
    }
    super(NETWORK_TYPE, name, {}, opts);
    const parent = { parent: this };
    const tagsFor = (role: string, resourceName: string): Tags =>
      resourceTags(args.tags, role, resourceName);

    let vpcId: pulumi.Output<string>;
    let vSwitchIds: pulumi.Output<string[]>;
    if (args.existingVpcId && args.existingVSwitchIds) {
      vpcId = pulumi.output(args.existingVpcId);
      vSwitchIds = pulumi.output([...args.existingVSwitchIds]);
    } else {
      const vpcName = `${name}-vpc`;
      const vpc = new alicloud.vpc.Network(
        vpcName,
        { vpcName, cidrBlock: args.vpcCidr, tags: tagsFor("network", vpcName) },
        parent,
      );
      vpcId = vpc.id;
      const switches = args.zones.map((zoneId, index) => {
        const switchName = `${name}-vsw-${zoneId}`;
        return new alicloud.vpc.Switch(
          switchName,
          {
            vswitchName: switchName,
            vpcId: vpc.id,
            zoneId,
            cidrBlock: args.vSwitchCidrs[index],
            tags: tagsFor("network", switchName),
          },
          parent,
        );
      });
      vSwitchIds = pulumi.all(switches.map((vSwitch) => vSwitch.id));
    }

    const groups = {} as Record<SecurityGroupRole, alicloud.ecs.SecurityGroup>;
    for (const role of SECURITY_GROUP_ROLES) {
      const groupName = `${name}-sg-${role}`;
      groups[role] = new alicloud.ecs.SecurityGroup(
        groupName,
        {
          securityGroupName: groupName,
          description: `hpc-fleet ${role}: only the explicit rules admit traffic`,
          vpcId,
          // Members of a group do not reach each other unless a rule says so.
          innerAccessPolicy: "Drop",
          tags: tagsFor(role, groupName),
        },
        parent,
      );
    }

    const rules = ingressRules({
      adminCidrs: args.adminCidrs ?? [],
      builderCidrs: args.builderCidrs ?? [],
      hostManagerPort: args.hostManagerPort,
    });
    for (const rule of rules) {
      const source =
        "cidr" in rule.source
          ? { cidrIp: rule.source.cidr }
          : { sourceSecurityGroupId: groups[rule.source.group].id };
      new alicloud.ecs.SecurityGroupRule(
        `${name}-sg-${rule.group}-${rule.key}`,
        {
          securityGroupId: groups[rule.group].id,
          type: "ingress",
          ipProtocol: "tcp",
          nicType: "intranet",
          policy: "accept",
          portRange: `${rule.port}/${rule.port}`,
          priority: 1,
          description: rule.description,
          ...source,
        },
        parent,
      );
    }

    this.vpcId = vpcId;
    this.vSwitchIds = vSwitchIds;
    this.hostsSecurityGroupId = groups.hosts.id;
    this.hostManagerSecurityGroupId = groups["host-manager"].id;
    this.buildSecurityGroupId = groups["packer-build"].id;
    this.registerOutputs({
      vpcId: this.vpcId,
      vSwitchIds: this.vSwitchIds,
      hostsSecurityGroupId: this.hostsSecurityGroupId,
      hostManagerSecurityGroupId: this.hostManagerSecurityGroupId,
      buildSecurityGroupId: this.buildSecurityGroupId,
    });
  }
}
