// The Network's args and the rules they keep, checked before any resource exists: by the
// Network itself, and by the stack config over the fields that parsed (config-keys.ts).
import { collectProblems, ownArgName, type ArgName, type ArgProblem } from "../arg-problems";
import type { Tags } from "../tags";
import { contains, isWholeInternet, overlaps } from "./cidr";

/** `nat` (a new NAT gateway), `none` (a closed lab), or an existing NAT gateway's id. */
export const EGRESS_PATTERN = /^(nat|none|ngw-[a-z0-9]+)$/;

/** The EIP of a new NAT gateway is billed by traffic: its cap is 1 to 200 Mbit/s (ecs/eipAddress.d.ts:267-270). */
export const MAX_EGRESS_BANDWIDTH_MBPS = 200;

/**
 * Plain values, not Inputs: the CIDRs name the security-group rules, and every value is
 * checked before any resource exists.
 */
export interface NetworkArgs {
  /** Zone ids, in order; one vSwitch per zone. Required. */
  readonly zones: readonly string[];
  /** The new VPC's CIDR block; unused with existingVpcId. Required. */
  readonly vpcCidr: string;
  /** One CIDR per zone, inside vpcCidr; checked even when existingVSwitchIds is set. Required. */
  readonly vSwitchCidrs: readonly string[];
  /** An existing VPC to use instead of creating one; needs existingVSwitchIds. Defaults to none. */
  readonly existingVpcId?: string;
  /** One existing vSwitch per zone, in zone order; needs existingVpcId. Defaults to none. */
  readonly existingVSwitchIds?: readonly string[];
  /** Outbound internet: "nat", "none", or an existing NAT gateway's id in existingVpcId. Defaults to "nat". */
  readonly egress?: string;
  /** The zone of a new NAT gateway's vSwitch; it must offer Enhanced NAT. Defaults to the first zone. */
  readonly natZone?: string;
  /** A new NAT gateway's EIP bandwidth cap in Mbit/s, billed by traffic. Defaults to 100. */
  readonly egressBandwidthMbps?: number;
  /** Networks admitted to the build instance on WinRM over HTTPS; never a /0. Defaults to none. */
  readonly builderCidrs?: readonly string[];
  /** Whether a Packer build runs here; without one the build group admits no one. Defaults to true. */
  readonly buildsImage?: boolean;
  /** The host-manager's API port, open only to the hosts' security group. Required. */
  readonly hostManagerPort: number;
  /** The stack's tags; each resource adds its role and Name. Required. */
  readonly tags: Tags;
}

/**
 * Every problem with the args, by property path. Each rule runs only when the args it
 * compares are given, so the stack config can check the fields that parsed.
 */
export function networkArgProblems(
  args: Partial<NetworkArgs>,
  name: ArgName = ownArgName,
): ArgProblem[] {
  const { zones, vpcCidr, vSwitchCidrs, existingVpcId, existingVSwitchIds } = args;
  return collectProblems((report) => {
    if (zones?.length === 0) report("zones", "must list at least one zone");
    if (zones && vSwitchCidrs && vSwitchCidrs.length !== zones.length) {
      report("vSwitchCidrs", `must list one CIDR per zone (${zones.length})`);
    }
    vSwitchCidrs?.forEach((block, index) => {
      if (vpcCidr && !contains(vpcCidr, block)) {
        report(`vSwitchCidrs[${index}]`, `${block} is not inside ${name("vpcCidr")} ${vpcCidr}`);
      }
      const clash = vSwitchCidrs.findIndex((other, at) => at < index && overlaps(other, block));
      if (clash >= 0) report(`vSwitchCidrs[${index}]`, `${block} overlaps ${vSwitchCidrs[clash]}`);
    });
    if (existingVpcId !== undefined && existingVSwitchIds === undefined) {
      report("existingVSwitchIds", `is required when ${name("existingVpcId")} is set`);
    }
    if (existingVSwitchIds !== undefined && existingVpcId === undefined) {
      report("existingVpcId", `is required when ${name("existingVSwitchIds")} is set`);
    }
    if (zones && existingVSwitchIds && existingVSwitchIds.length !== zones.length) {
      report("existingVSwitchIds", `must list one vSwitch per zone (${zones.length})`);
    }
    args.builderCidrs?.forEach((block, index) => {
      if (isWholeInternet(block)) {
        report(`builderCidrs[${index}]`, `${block} would open WinRM to the whole internet`);
      }
    });
    egressProblems(args, name, report);
  });
}

function egressProblems(
  args: Partial<NetworkArgs>,
  name: ArgName,
  report: (propertyPath: string, reason: string) => void,
): void {
  const { egress = "nat", natZone, zones, egressBandwidthMbps } = args;
  if (!EGRESS_PATTERN.test(egress)) {
    report("egress", `must be nat, none or a NAT gateway id such as ngw-2ze0abc (got ${egress})`);
    return;
  }
  // A NAT gateway belongs to one VPC (CreateNatGateway's VpcId), and SNAT entries take
  // only that VPC's vSwitches: an existing gateway cannot serve a VPC this stack creates.
  if (egress.startsWith("ngw-") && args.existingVpcId === undefined) {
    report("egress", `an existing NAT gateway needs ${name("existingVpcId")}, the VPC it is in`);
  }
  if (natZone !== undefined && egress !== "nat") {
    report("natZone", `applies only when ${name("egress")} is nat`);
  }
  if (natZone !== undefined && zones && !zones.includes(natZone)) {
    report("natZone", `must be one of ${name("zones")} (${zones.join(", ")})`);
  }
  if (
    egressBandwidthMbps !== undefined &&
    (!Number.isInteger(egressBandwidthMbps) ||
      egressBandwidthMbps < 1 ||
      egressBandwidthMbps > MAX_EGRESS_BANDWIDTH_MBPS)
  ) {
    report("egressBandwidthMbps", `must be a whole number from 1 to ${MAX_EGRESS_BANDWIDTH_MBPS}`);
  }
}
