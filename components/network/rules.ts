// The fleet's security-group rules as plain data, so they can be checked without Pulumi:
// the host-manager API from the hosts' group, WinRM from the Packer host. Everything else
// is dropped (groups are created with innerAccessPolicy Drop, and ECS security groups deny
// unlisted ingress). No rule admits RDP or WinRM to the hosts: they have no public address,
// so a rule from an operator's public CIDR could never match; operators reach them through
// Cloud Assistant Session Manager port forwarding, which needs no inbound rule
// (https://alibabacloud.com/help/en/ecs/user-guide/perform-port-forwarding-by-using-ali-instance-cli).
// The rule that admits the operator endpoint's load balancer to the host-manager is the
// OperatorAccess component's (components/operator-access), declared once its white list is on.

/** WinRM over HTTPS; plain-HTTP WinRM (5985) is never opened. */
export const WINRM_HTTPS_PORT = 5986;
export const WINRM_HTTP_PORT = 5985;
export const RDP_PORT = 3389;

/** The three groups the Network declares, by role. */
export type SecurityGroupRole = "hosts" | "host-manager" | "packer-build";
export const SECURITY_GROUP_ROLES: readonly SecurityGroupRole[] = [
  "hosts",
  "host-manager",
  "packer-build",
];

export type RuleSource = { readonly cidr: string } | { readonly group: SecurityGroupRole };

/** One ingress rule: TCP on one port into `group` from `source`. */
export interface IngressRule {
  /** Unique within the Network; becomes part of the resource name. */
  readonly key: string;
  readonly group: SecurityGroupRole;
  readonly port: number;
  readonly source: RuleSource;
  readonly description: string;
}

export interface RuleInputs {
  readonly builderCidrs: readonly string[];
  readonly hostManagerPort: number;
}

/** A CIDR in a resource name: 203.0.113.0/28 -> 203-0-113-0-28. */
export function cidrSlug(cidr: string): string {
  return cidr.replace(/[./:]/g, "-");
}

/** Every ingress rule of the fleet, in a stable order (so names and previews stay put). */
export function ingressRules(inputs: RuleInputs): IngressRule[] {
  const rules: IngressRule[] = [];
  rules.push({
    key: "api-from-hosts",
    group: "host-manager",
    port: inputs.hostManagerPort,
    source: { group: "hosts" },
    description: "host-manager API from the fleet's hosts",
  });
  for (const cidr of inputs.builderCidrs) {
    rules.push({
      key: `winrm-${cidrSlug(cidr)}`,
      group: "packer-build",
      port: WINRM_HTTPS_PORT,
      source: { cidr },
      description: "WinRM over HTTPS from the Packer host",
    });
  }
  return rules;
}
