// hpc:network:Network — the fleet's VPC, one vSwitch per zone (or existing ones), its
// outbound internet (egress.ts), and the three security groups with explicit ingress rules
// (see rules.ts for which). Egress rules stay ECS's default, allow all: the hosts' workload
// reaches third-party endpoints by name, which IP-only rules cannot express, and the
// platform endpoints the agents need (metadata 100.100.100.200, VPC DNS, Cloud Assistant
// for Session Manager, the *-vpc APIs) sit at addresses Alibaba does not promise to keep;
// inbound, nothing on the internet can reach the fleet (no public address, no DNAT).
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { assertNoProblems } from "../arg-problems";
import { resourceTags, type Tags } from "../tags";
import { networkArgProblems, type NetworkArgs } from "./args";
import { declareEgress } from "./egress";
import { ingressRules, SECURITY_GROUP_ROLES, type SecurityGroupRole } from "./rules";

export const NETWORK_TYPE = "hpc:network:Network";

export interface NetworkOutputs {
  readonly vpcId: pulumi.Output<string>;
  /**
   * vSwitch ids in zone order, known once the vSwitches' SNAT entries exist: whatever is
   * declared in them (the host-manager pulling its image, hosts at boot) has the internet.
   */
  readonly vSwitchIds: pulumi.Output<string[]>;
  /** The address outbound traffic leaves from (the NAT's EIP); undefined with egress none. */
  readonly egressIp: pulumi.Output<string | undefined>;
  readonly hostsSecurityGroupId: pulumi.Output<string>;
  readonly hostManagerSecurityGroupId: pulumi.Output<string>;
  readonly buildSecurityGroupId: pulumi.Output<string>;
}

/** Declares the network's resources as children of `parent`; the args are already checked. */
export function declareNetwork(
  parent: pulumi.Resource,
  name: string,
  args: NetworkArgs,
): NetworkOutputs {
  // No build, no member in the build group: a rule into it could never match.
  const builderCidrs = args.buildsImage === false ? [] : (args.builderCidrs ?? []);
  const child = { parent };
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
      child,
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
        child,
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
      child,
    );
  }

  const rules = ingressRules({ builderCidrs, hostManagerPort: args.hostManagerPort });
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
      child,
    );
  }

  const egress = declareEgress(parent, name, args, vpcId, vSwitchIds, tagsFor);
  return {
    vpcId,
    // The URNs carry the entries as dependencies and, unlike their ids, are known in a
    // preview, so known vSwitch ids stay known there.
    vSwitchIds: pulumi
      .all([vSwitchIds, pulumi.all(egress.entries.map((entry) => entry.urn))])
      .apply(([ids]) => ids),
    egressIp: egress.ip,
    hostsSecurityGroupId: groups.hosts.id,
    hostManagerSecurityGroupId: groups["host-manager"].id,
    buildSecurityGroupId: groups["packer-build"].id,
  };
}

export class Network extends pulumi.ComponentResource implements NetworkOutputs {
  public readonly vpcId: pulumi.Output<string>;
  public readonly vSwitchIds: pulumi.Output<string[]>;
  public readonly egressIp: pulumi.Output<string | undefined>;
  public readonly hostsSecurityGroupId: pulumi.Output<string>;
  public readonly hostManagerSecurityGroupId: pulumi.Output<string>;
  public readonly buildSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    assertNoProblems(NETWORK_TYPE, name, networkArgProblems(args));
    super(NETWORK_TYPE, name, {}, opts);
    const outputs = declareNetwork(this, name, args);
    this.vpcId = outputs.vpcId;
    this.vSwitchIds = outputs.vSwitchIds;
    this.egressIp = outputs.egressIp;
    this.hostsSecurityGroupId = outputs.hostsSecurityGroupId;
    this.hostManagerSecurityGroupId = outputs.hostManagerSecurityGroupId;
    this.buildSecurityGroupId = outputs.buildSecurityGroupId;
    this.registerOutputs({ ...outputs });
  }
}
