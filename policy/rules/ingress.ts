// Security-group ingress: Windows remote access (RDP 3389, WinRM 5985/5986) is never
// open to the whole internet, and plain-HTTP WinRM (5985) is never opened at all,
// whatever the source. A rule counts if its port range covers the port, so "1/65535"
// or protocol "all" open 3389 as surely as "3389/3389" does.
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
          "remote access must come from named admin CIDRs",
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
