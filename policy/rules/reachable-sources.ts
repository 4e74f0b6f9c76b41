// Every security-group ingress rule admits a source that can reach the group's members:
// a CIDR outside the VPC can reach only members with a public address, so on a group whose
// members have none, a CIDR source must lie inside the VPC, within one of its vSwitches
// (the load balancer's, say); a group rule's source group must have members; and a rule
// into a group nothing runs in admits no one. A rule that can never match is not harmless:
// it reads as a way in that does not exist (as the hosts' RDP and WinRM rules from public
// admin CIDRs did, when the hosts had no public address).
//
// It needs the whole stack, with the ids that tie a rule to its group and a group to its
// members resolved: the tests run it over what the mocks declare (ids are `<name>-id`);
// the pack cannot, as a preview leaves those ids unknown (policies.ts, TEST_ONLY_RULES).
import { blockContains, blocksOverlap, parseIpv4Cidr, type Ipv4Block } from "./cidr";
import { describe, plain, type PolicyResource } from "./resource";
import { SECURITY_GROUP_RULE } from "./ingress";

export const SECURITY_GROUP = "alicloud:ecs/securityGroup:SecurityGroup";
const VPC = "alicloud:vpc/network:Network";
const VSWITCH = "alicloud:vpc/switch:Switch";
const SCALING_CONFIGURATION = "alicloud:ess/scalingConfiguration:ScalingConfiguration";
const CONTAINER_GROUP = "alicloud:eci/containerGroup:ContainerGroup";
const ECS_INSTANCE = "alicloud:ecs/instance:Instance";
const LOCAL_COMMAND = "command:local:Command";

/** A resource of a stack with the id the cloud gave it. */
export interface StackResource extends PolicyResource {
  readonly id: string;
}

/** What runs in a security group, and whether the internet can address it. */
interface Member {
  readonly name: string;
  readonly groupIds: readonly string[];
  readonly public: boolean;
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

/** The group's members, by the resources that name their groups. */
function memberOf(resource: StackResource): Member | undefined {
  const props = plain<Record<string, unknown>>(resource.props);
  switch (resource.type) {
    case SCALING_CONFIGURATION:
    case ECS_INSTANCE:
      return {
        name: resource.name,
        groupIds: [
          ...list(props.securityGroupIds),
          ...list(props.securityGroups),
          ...[text(props.securityGroupId)].filter((id): id is string => id !== undefined),
        ],
        public: Number(props.internetMaxBandwidthOut ?? 0) > 0,
      };
    case CONTAINER_GROUP:
      return {
        name: resource.name,
        groupIds: list([props.securityGroupId]),
        public: props.autoCreateEip === true || text(props.eipInstanceId) !== undefined,
      };
    case LOCAL_COMMAND: {
      // The Packer build: its instance joins the group Packer is given, with a public
      // address when build_address is public (images/windows/windows.pkr.hcl).
      const environment = (props.environment ?? {}) as Record<string, unknown>;
      const groupId = text(environment.PKR_VAR_security_group_id);
      if (groupId === undefined) return undefined;
      return {
        name: resource.name,
        groupIds: [groupId],
        public: environment.PKR_VAR_build_address === "public",
      };
    }
    default:
      return undefined;
  }
}

/** Each ingress rule's violation, if its source can never reach the group's members. */
export function unreachableSourceViolations(resources: readonly StackResource[]): string[] {
  const byId = new Map(resources.map((resource) => [resource.id, resource]));
  const members = resources.flatMap((resource) => memberOf(resource) ?? []);
  const membersOf = (groupId: string) => members.filter((m) => m.groupIds.includes(groupId));
  const blockOf = (resource: StackResource | undefined): Ipv4Block | undefined =>
    parseIpv4Cidr(plain(resource?.props.cidrBlock));

  const violations: string[] = [];
  for (const rule of resources.filter((resource) => resource.type === SECURITY_GROUP_RULE)) {
    const props = plain<Record<string, unknown>>(rule.props);
    if (props.type !== "ingress") continue;
    const group = byId.get(text(props.securityGroupId) ?? "");
    // A group the stack does not declare is someone else's to judge.
    if (group?.type !== SECURITY_GROUP) continue;
    const targets = membersOf(group.id);
    if (targets.length === 0) {
      violations.push(
        `${describe(rule)}: admits traffic into ${group.name}, which nothing runs in`,
      );
      continue;
    }
    const sourceGroupId = text(props.sourceSecurityGroupId);
    if (sourceGroupId !== undefined && membersOf(sourceGroupId).length === 0) {
      violations.push(`${describe(rule)}: its source group ${sourceGroupId} has no members`);
    }
    const cidr = text(props.cidrIp);
    if (cidr === undefined || targets.some((member) => member.public)) continue;
    const vpc = byId.get(text(plain(group.props.vpcId)) ?? "");
    const vpcBlock = vpc?.type === VPC ? blockOf(vpc) : undefined;
    // An existing VPC's block is not in the stack: nothing to hold the source to.
    if (vpcBlock === undefined) continue;
    const source = parseIpv4Cidr(cidr);
    const vSwitchBlocks = resources
      .filter((resource) => resource.type === VSWITCH && plain(resource.props.vpcId) === vpc?.id)
      .flatMap((vSwitch) => blockOf(vSwitch) ?? []);
    const reachable =
      source !== undefined &&
      blockContains(vpcBlock, source) &&
      vSwitchBlocks.some((block) => blocksOverlap(block, source));
    if (!reachable) {
      const names = targets.map((member) => member.name).join(", ");
      violations.push(
        `${describe(rule)}: admits ${cidr} into ${group.name}, whose members (${names}) have ` +
          `no public address, and ${cidr} is not within a vSwitch of ${vpc?.name}: it can never connect`,
      );
    }
  }
  return violations;
}
