// hpc:operator-access:OperatorAccess — the operators' two ways in, neither of which opens
// the fleet to the internet:
// - HTTPS to the host-manager's status page, JSON API and /metrics: an internet-facing
//   ALB (Standard edition) whose HTTPS listener admits only network.adminCidrs (a White
//   ACL) and forwards to the container group by id (server type Eci), so a replaced
//   container group is followed without any IP bookkeeping
//   (https://www.alibabacloud.com/help/en/eci/user-guide/add-elastic-container-instances-to-an-slb-instance).
//   ALB rather than CLB: new pay-by-specification CLBs are no longer sold
//   (https://www.alibabacloud.com/help/doc-detail/127268.html), ALB keeps certificates in
//   CAS and targets an ECI by id.
// - RDP and WinRM to the hosts: Cloud Assistant Session Manager port forwarding
//   (`ali-instance-cli portforward`), which rides the Cloud Assistant agent's own outbound
//   connection and so needs no public address and no inbound rule
//   (https://alibabacloud.com/help/en/ecs/user-guide/perform-port-forwarding-by-using-ali-instance-cli).
import { createHash } from "node:crypto";
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { assertNoProblems } from "../arg-problems";
import { cidrSlug } from "../network/rules";
import { resourceTags } from "../tags";
import {
  ALB_ZONE_COUNT,
  endpointEnabled,
  operatorAccessArgProblems,
  type OperatorAccessArgs,
} from "./args";
import { declareSelfSignedCertificate } from "./self-signed";

export const OPERATOR_ACCESS_TYPE = "hpc:operator-access:OperatorAccess";

/** The listener's port: plain HTTPS, so operators need no port in the URL. */
export const HTTPS_PORT = 443;

/**
 * TLS 1.2 and 1.3 with forward-secret AEAD ciphers only; ALB's default allows TLS 1.0
 * (https://www.alibabacloud.com/help/en/slb/application-load-balancer/user-guide/tls-security-policies).
 */
export const TLS_POLICY = "tls_cipher_policy_1_2_strict_with_1_3";

/** The only value ModifyUserBusinessBehavior takes for it (resource_alicloud_ecs_session_manager_status.go:27). */
const SESSION_MANAGER_STATUS_NAME = "sessionManagerStatus";

/** The path the host-manager answers without a token (services/host-manager/src/http/api/routes.ts). */
const HEALTH_CHECK_PATH = "/healthz";

/**
 * ALB descriptions take letters, digits and `, . ; / @ _ -`, no spaces (AddEntriesToAcl,
 * https://www.alibabacloud.com/help/en/server-load-balancer/latest/addentriestoacl, and
 * AddServersToServerGroup, https://www.alibabacloud.com/help/doc-detail/213629.htm).
 */
const ADMIN_ENTRY_DESCRIPTION = "hpc-fleet/network.adminCidrs";
const SERVER_DESCRIPTION = "hpc-fleet/host-manager";

export interface OperatorAccessOutputs {
  /** `https://<the load balancer's DNS name>`; undefined without the endpoint. */
  readonly url: pulumi.Output<string | undefined>;
}

/**
 * A short, stable digest of the certificate: a new certificate gets a new CAS name, so the
 * replacement (cert is ForceNew, resource_alicloud_ssl_certificates_service_certificate.go:29-33)
 * is created before the old one is deleted without the two names meeting.
 */
export function certificateDigest(certificatePem: string): string {
  return createHash("sha256").update(certificatePem.trim()).digest("hex").slice(0, 12);
}

/**
 * The listener's CAS certificate id: the one given, or a PEM certificate (given, or made
 * self-signed for `dnsName`) uploaded to CAS.
 */
function declareCertificate(
  parent: pulumi.Resource,
  name: string,
  args: OperatorAccessArgs,
  albDnsName: pulumi.Output<string>,
): pulumi.Input<string> {
  let upload: { certificatePem: pulumi.Input<string>; privateKeyPem: pulumi.Input<string> };
  if (args.selfSigned) {
    upload = declareSelfSignedCertificate(parent, name, args.selfSignedDnsName ?? albDnsName);
  } else if (args.certificatePem && args.privateKeyPem) {
    upload = { certificatePem: args.certificatePem, privateKeyPem: args.privateKeyPem };
  } else {
    return args.certificateId as string;
  }
  const certificateName = pulumi
    .output(upload.certificatePem)
    .apply((pem) => `${name}-${certificateDigest(pem)}`);
  const certificate = new alicloud.cas.ServiceCertificate(
    `${name}-certificate`,
    {
      certificateName,
      cert: upload.certificatePem,
      // The SDK marks key secret too (cas/serviceCertificate.js); here it is one already.
      key: pulumi.secret(upload.privateKeyPem),
      tags: resourceTags(args.tags, "operator-access", `${name}-certificate`),
    },
    { parent },
  );
  return certificate.id;
}

/** Declares the operators' paths in as children of `parent`; the args are already checked. */
export function declareOperatorAccess(
  parent: pulumi.Resource,
  name: string,
  args: OperatorAccessArgs,
): OperatorAccessOutputs {
  const child = { parent };
  const tagsFor = (childName: string) => resourceTags(args.tags, "operator-access", childName);

  if (args.sessionManager ?? true) {
    // An account setting of the region, not a resource: TF's Delete only forgets it
    // (resource_alicloud_ecs_session_manager_status.go:141-144), so destroying one stack
    // never turns it off for another in the same account and region.
    new alicloud.ecs.EcsSessionManagerStatus(
      `${name}-session-manager`,
      { sessionManagerStatusName: SESSION_MANAGER_STATUS_NAME, status: "Enabled" },
      child,
    );
  }
  if (!endpointEnabled(args)) return { url: pulumi.output(undefined) };

  // The first two zones: as many as an ALB needs, and one public address each.
  const mapped = args.zones.slice(0, ALB_ZONE_COUNT);
  const albName = `${name}-alb`;
  const loadBalancer = new alicloud.alb.LoadBalancer(
    albName,
    {
      loadBalancerName: albName,
      vpcId: args.vpcId,
      addressType: "Internet",
      // Standard: custom TLS policies and ACLs without the Basic edition's limits.
      loadBalancerEdition: "Standard",
      loadBalancerBillingConfig: { payType: "PayAsYouGo" },
      zoneMappings: mapped.map((zoneId, index) => ({
        zoneId,
        vswitchId: pulumi.output(args.vSwitchIds).apply((ids) => ids[index]),
      })),
      tags: tagsFor(albName),
    },
    child,
  );

  const certificateId = declareCertificate(parent, name, args, loadBalancer.dnsName);

  const serversName = `${name}-host-manager`;
  const servers = new alicloud.alb.ServerGroup(
    serversName,
    {
      serverGroupName: serversName,
      // Instance, with a server of type Eci named by the container group's id, rather than
      // an Ip group on its intranetIp: AddServersToServerGroup takes an ECI id in an
      // Instance group (types/input.d.ts:1805-1828; https://help.aliyun.com/document_detail/213629.htm),
      // so the backend follows the container group itself. server_group_type is ForceNew
      // (resource_alicloud_alb_server_group.go:171-176), server_type free text (:186-189).
      serverGroupType: "Instance",
      vpcId: args.vpcId,
      // The service serves HTTPS only on its port (its certificate from the stack's private
      // CA, issue 15): the load balancer re-encrypts to it (ALB does not check a backend's
      // certificate). protocol is ForceNew (resource_alicloud_alb_server_group.go:149-155).
      protocol: "HTTPS",
      healthCheckConfig: {
        healthCheckEnabled: true,
        healthCheckProtocol: "HTTPS",
        healthCheckMethod: "GET",
        healthCheckPath: HEALTH_CHECK_PATH,
        healthCheckCodes: ["http_2xx"],
        healthCheckInterval: 5,
        healthCheckTimeout: 3,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      servers: [
        {
          serverType: "Eci",
          serverId: args.hostManagerContainerGroupId,
          port: args.hostManagerPort,
          // TF sends Weight whatever is set, 0 when unset (resource_alicloud_alb_server_group.go:1002),
          // and a server of weight 0 gets no requests.
          weight: 100,
          description: SERVER_DESCRIPTION,
        },
      ],
      tags: tagsFor(serversName),
    },
    child,
  );

  const listenerName = `${name}-https`;
  const listener = new alicloud.alb.Listener(
    listenerName,
    {
      loadBalancerId: loadBalancer.id,
      listenerProtocol: "HTTPS",
      listenerPort: HTTPS_PORT,
      listenerDescription: listenerName,
      // The listener names a CAS certificate by its id and region (TF's own tests:
      // resource_alicloud_alb_listener_test.go:1290).
      certificates: { certificateId: pulumi.interpolate`${certificateId}-${args.region}` },
      securityPolicyId: TLS_POLICY,
      defaultActions: [
        {
          type: "ForwardGroup",
          forwardGroupConfig: { serverGroupTuples: [{ serverGroupId: servers.id }] },
        },
      ],
      tags: tagsFor(listenerName),
    },
    child,
  );

  const aclName = `${name}-admins`;
  const acl = new alicloud.alb.Acl(aclName, { aclName, tags: tagsFor(aclName) }, child);
  // One attachment per CIDR: adding or dropping one admin network touches only its entry.
  // `entries`, not the single `entry` that the TF snapshot has
  // (resource_alicloud_alb_acl_entry_attachment.go:27-40): 3.108 marks `entry` deprecated
  // since provider 1.292.0 (alb/aclEntryAttachment.d.ts:134-140).
  const entries = (args.adminCidrs ?? []).map(
    (cidr) =>
      new alicloud.alb.AclEntryAttachment(
        `${aclName}-${cidrSlug(cidr)}`,
        { aclId: acl.id, entries: [{ entry: cidr, description: ADMIN_ENTRY_DESCRIPTION }] },
        child,
      ),
  );
  // Attached once it has entries: an empty White list would forward everyone.
  const whiteList = new alicloud.alb.ListenerAclAttachment(
    `${listenerName}-white-list`,
    { listenerId: listener.id, aclId: acl.id, aclType: "White" },
    { ...child, dependsOn: entries },
  );

  // ALB reaches its backends from local addresses in its zone mappings' vSwitches
  // (https://www.alibabacloud.com/help/en/slb/application-load-balancer/user-guide/add-an-alb-instance-to-a-security-group).
  // Opened only once the white list is on: until then the listener would forward anyone,
  // and with no way to the backend it forwards no one.
  mapped.forEach((zoneId, index) => {
    new alicloud.ecs.SecurityGroupRule(
      `${name}-sg-host-manager-from-alb-${zoneId}`,
      {
        securityGroupId: args.hostManagerSecurityGroupId,
        type: "ingress",
        ipProtocol: "tcp",
        nicType: "intranet",
        policy: "accept",
        portRange: `${args.hostManagerPort}/${args.hostManagerPort}`,
        priority: 1,
        cidrIp: args.vSwitchCidrs[index],
        description: `host-manager from the operator endpoint's load balancer in ${zoneId}`,
      },
      { ...child, dependsOn: [whiteList] },
    );
  });

  return { url: pulumi.interpolate`https://${loadBalancer.dnsName}` };
}

export class OperatorAccess extends pulumi.ComponentResource implements OperatorAccessOutputs {
  readonly url: pulumi.Output<string | undefined>;

  constructor(name: string, args: OperatorAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    assertNoProblems(OPERATOR_ACCESS_TYPE, name, operatorAccessArgProblems(args));
    super(OPERATOR_ACCESS_TYPE, name, {}, opts);
    const outputs = declareOperatorAccess(this, name, args);
    this.url = outputs.url;
    this.registerOutputs({ ...outputs });
  }
}
