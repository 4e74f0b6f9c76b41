// The OperatorAccess's args and the rules they keep, checked before any resource exists:
// by the component itself, and by the stack config over the fields that parsed
// (config-keys.ts).
import type * as pulumi from "@pulumi/pulumi";
import { collectProblems, ownArgName, type ArgName, type ArgProblem } from "../arg-problems";
import { isWholeInternet } from "../network/cidr";
import type { Tags } from "../tags";

/** An internet-facing ALB needs two zone mappings (alb/loadBalancer.d.ts, zoneMappings). */
export const ALB_ZONE_COUNT = 2;

/**
 * The service's settings are plain, not Inputs: they are checked before any resource
 * exists and name the resources. The private key and what other components make are Inputs.
 */
export interface OperatorAccessArgs {
  /** The stack's region: the listener names a CAS certificate `<id>-<region>`. Required. */
  readonly region: string;
  /** Declare the HTTPS endpoint (ALB, white list, listener); the args below apply only then. Defaults to true when a certificate is given. */
  readonly endpoint?: boolean;
  /** Enable Cloud Assistant Session Manager in the region, the operators' RDP/WinRM path. Defaults to true. */
  readonly sessionManager?: boolean;
  /** The fleet's zones, in order; the load balancer takes the first two. Required. */
  readonly zones: readonly string[];
  /** The fleet's VPC (Network.vpcId). Required. */
  readonly vpcId: pulumi.Input<string>;
  /** One vSwitch per zone, in zone order (Network.vSwitchIds). Required. */
  readonly vSwitchIds: pulumi.Input<string[]>;
  /** The vSwitches' CIDR blocks, in zone order: the load balancer reaches the host-manager from the first two. Required. */
  readonly vSwitchCidrs: readonly string[];
  /** Who may reach the endpoint, the listener's white list; never empty with endpoint, never a /0. Defaults to none. */
  readonly adminCidrs?: readonly string[];
  /** An existing CAS certificate's id (digits); instead of certificatePem. Defaults to none. */
  readonly certificateId?: string;
  /** A PEM certificate (chain) to upload to CAS, with privateKeyPem; instead of certificateId. Defaults to none. */
  readonly certificatePem?: string;
  /** The certificate's PEM private key (a secret). Defaults to none. */
  readonly privateKeyPem?: pulumi.Input<string>;
  /** Make a self-signed certificate and upload it to CAS (labs and dev: browsers warn); instead of certificateId or certificatePem. Defaults to false. */
  readonly selfSigned?: boolean;
  /** The self-signed certificate's DNS name (subject and SAN), with selfSigned. Defaults to the ALB's DNS name. */
  readonly selfSignedDnsName?: string;
  /** The host-manager's container group, the load balancer's backend (HostManager.containerGroupId). Required. */
  readonly hostManagerContainerGroupId: pulumi.Input<string>;
  /** The host-manager's port, where its status page, API and /metrics are. Required. */
  readonly hostManagerPort: number;
  /** The host-manager's security group; it admits the load balancer's vSwitches on that port. Required. */
  readonly hostManagerSecurityGroupId: pulumi.Input<string>;
  /** The stack's tags; each resource adds its role and Name. Required. */
  readonly tags: Tags;
}

/** Whether the HTTPS endpoint is declared: as asked, or because a certificate is given. */
export function endpointEnabled(
  args: Pick<
    Partial<OperatorAccessArgs>,
    "endpoint" | "certificateId" | "certificatePem" | "selfSigned"
  >,
): boolean {
  return args.endpoint ?? Boolean(args.certificateId || args.certificatePem || args.selfSigned);
}

/**
 * Every problem with the args, by property path. Each rule runs only when the args it
 * compares are given, so the stack config can check the fields that parsed.
 */
export function operatorAccessArgProblems(
  args: Partial<OperatorAccessArgs>,
  name: ArgName = ownArgName,
): ArgProblem[] {
  const { adminCidrs, certificateId, certificatePem, privateKeyPem, selfSigned } = args;
  return collectProblems((report) => {
    adminCidrs?.forEach((block, index) => {
      if (isWholeInternet(block)) {
        report(`adminCidrs[${index}]`, `${block} would admit the whole internet to the endpoint`);
      }
    });
    if (certificateId && certificatePem) {
      report("certificatePem", `conflicts with ${name("certificateId")}: give one certificate`);
    }
    for (const given of ["certificateId", "certificatePem"] as const) {
      if (selfSigned && args[given]) {
        report("selfSigned", `conflicts with ${name(given)}: give one certificate`);
      }
    }
    if (args.selfSignedDnsName && !selfSigned) {
      report("selfSignedDnsName", `applies only with ${name("selfSigned")} true`);
    }
    if (Boolean(certificatePem) !== Boolean(privateKeyPem)) {
      report(
        certificatePem ? "privateKeyPem" : "certificatePem",
        `${name("certificatePem")} and ${name("privateKeyPem")} go together`,
      );
    }
    if (!endpointEnabled(args)) return;
    if (args.endpoint && !certificateId && !certificatePem && !selfSigned) {
      report(
        "certificateId",
        `is required when ${name("endpoint")} is true (or give ${name("certificatePem")}, or ${name("selfSigned")} true for a lab)`,
      );
    }
    // A White ACL with no entries forwards every request (alb/listenerAclAttachment.d.ts,
    // aclType): an empty list would open the endpoint to everyone.
    if (adminCidrs?.length === 0) {
      report(
        "adminCidrs",
        "must list who may reach the endpoint: an empty white list admits everyone",
      );
    }
    if (args.zones && args.zones.length < ALB_ZONE_COUNT) {
      report("zones", `must list at least ${ALB_ZONE_COUNT} zones: the load balancer needs two`);
    }
  });
}
