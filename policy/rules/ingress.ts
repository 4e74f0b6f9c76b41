// Security-group ingress: Windows remote access (RDP 3389, WinRM 5985/5986) is never
// open to the whole internet, RDP never to any address outside private (RFC 1918) space,
// and plain-HTTP WinRM (5985) is never opened at all, whatever the source. A rule counts
// if its port range covers the port, so "1/65535" or protocol "all" open 3389 as surely
// as "3389/3389" does. RDP from a public CIDR could only ever reach a host with a public
// address, and the fleet's hosts have none: operators reach RDP through Cloud Assistant
// Session Manager port forwarding, which needs no rule at all
// (https://alibabacloud.com/help/en/ecs/user-guide/perform-port-forwarding-by-using-ali-instance-cli).
// WinRM over HTTPS keeps a public source for the Packer build, whose instance has one.
import { blockContains, parseIpv4Cidr, type Ipv4Block } from "./cidr";
import { describe, plain, PolicyResource } from "./resource";

export const SECURITY_GROUP_RULE = "alicloud:ecs/securityGroupRule:SecurityGroupRule";

export const RDP_PORT = 3389;
export const WINRM_HTTP_PORT = 5985;
export const WINRM_HTTPS_PORT = 5986;
/** Ports that must never be reachable from a /0 source. */
export const REMOTE_ACCESS_PORTS: readonly number[] = [RDP_PORT, WINRM_HTTP_PORT, WINRM_HTTPS_PORT];

/** Protocols that have ports; ICMP and GRE rules cannot open a TCP or UDP service. */
const PORTED_PROTOCOLS = new Set(["tcp", "udp", "all"]);

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/**
 * An ECS port range ("3389/3389", "1/65535"; "-1/-1" means every port), or undefined
 * when it cannot be read. Protocol "all" covers every port whatever its range says.
 */
export function parsePortRange(protocol: string, portRange: unknown): PortRange | undefined {
  if (protocol === "all") return { from: 1, to: 65535 };
  if (typeof portRange !== "string") return undefined;
  const match = /^\s*(-?\d+)\s*\/\s*(-?\d+)\s*$/.exec(portRange);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from === -1 && to === -1) return { from: 1, to: 65535 };
  if (from < 1 || to > 65535 || from > to) return undefined;
  return { from, to };
}

/** True for a CIDR that matches every address: 0.0.0.0/0, ::/0, or any other "/0". */
export function isWorldCidr(cidr: unknown): boolean {
  return typeof cidr === "string" && /\/0\s*$/.test(cidr);
}

/** RFC 1918's blocks: 10/8, 172.16/12, 192.168/16. */
const PRIVATE_BLOCKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(
  (block) => parseIpv4Cidr(block) as Ipv4Block,
);

/** True for an IPv4 CIDR wholly inside RFC 1918 space; IPv6 blocks of a VPC are public. */
export function isPrivateCidr(cidr: unknown): boolean {
  const block = parseIpv4Cidr(cidr);
  return block !== undefined && PRIVATE_BLOCKS.some((outer) => blockContains(outer, block));
}

function covers(range: PortRange, port: number): boolean {
  return range.from <= port && port <= range.to;
}

export function ingressViolations(resource: PolicyResource): string[] {
  if (resource.type !== SECURITY_GROUP_RULE) return [];
  // Field by field: in a preview other inputs (the group's id) are unknown, and touching
  // them would make the policy engine skip the whole check.
  const field = (key: string): unknown => plain(resource.props[key]);
  const props = {
    type: field("type"),
    ipProtocol: field("ipProtocol"),
    portRange: field("portRange"),
    cidrIp: field("cidrIp"),
    ipv6CidrIp: field("ipv6CidrIp"),
  };
  if (props.type !== "ingress") return [];
  const protocol = String(props.ipProtocol ?? "").toLowerCase();
  if (!PORTED_PROTOCOLS.has(protocol)) return [];

  const range = parsePortRange(protocol, props.portRange);
  if (!range) {
    // Failing closed: a range nobody can read might open anything.
    return [`${describe(resource)}: cannot read portRange ${JSON.stringify(props.portRange)}`];
  }
  const shown = `${protocol} ${String(props.portRange ?? "all ports")}`;
  const violations: string[] = [];
  const worldSources = [props.cidrIp, props.ipv6CidrIp].filter(isWorldCidr);
  for (const port of REMOTE_ACCESS_PORTS) {
    if (!covers(range, port)) continue;
    for (const source of worldSources) {
      violations.push(
        `${describe(resource)}: ingress ${shown} opens port ${port} to ${String(source)}; ` +
          "remote access must come from named CIDRs",
      );
    }
  }
  if (covers(range, RDP_PORT)) {
    const publicSources = [props.cidrIp, props.ipv6CidrIp].filter(
      (source) => source !== undefined && !isWorldCidr(source) && !isPrivateCidr(source),
    );
    for (const source of publicSources) {
      violations.push(
        `${describe(resource)}: ingress ${shown} opens port ${RDP_PORT} to ${String(source)}, ` +
          "outside private address space; the hosts have no public address: reach RDP " +
          "through Session Manager port forwarding",
      );
    }
  }
  if (covers(range, WINRM_HTTP_PORT)) {
    violations.push(
      `${describe(resource)}: ingress ${shown} opens port ${WINRM_HTTP_PORT} (WinRM over plain HTTP); ` +
        `only WinRM over HTTPS (${WINRM_HTTPS_PORT}) may be opened`,
    );
  }
  return violations;
}
