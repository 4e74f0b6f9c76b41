// HostManager: the host-manager service as an ECI container group in the fleet's VPC,
// with a least-privilege RAM role and a stable private DNS name the hosts report to.
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";
import { withFormerType } from "../former-type";
import { resourceTags, Tags } from "../tags";
import { containerEnvironment, DATA_DIR } from "./container-env";
import { containerTrustPolicy, hostManagerPolicyDocument } from "./ram-policy";

export const HOST_MANAGER_TYPE = "hpc:host-manager:HostManager";
/** The token before it matched its folder; kept as an alias so stacks keep their URNs. */
const FORMER_TYPE = "hpc:hostmanager:HostManager";

/** Long enough for an in-flight health-check cycle to finish after SIGTERM. */
export const TERMINATION_GRACE_SECONDS = 90;

/**
 * The URL the hosts report to: the private DNS name, known before the container
 * group exists (so the hosts' user-data need not wait for it) and stable across
 * replacements of the group.
 */
export function hostManagerUrl(
  settings: Pick<StackConfig["hostManager"], "dnsRecord" | "dnsZone" | "port">,
): string {
  return `http://${settings.dnsRecord}.${settings.dnsZone}:${settings.port}`;
}

export interface HostManagerArgs {
  /** The stack config: region, hostManager and healthCheck sections, and the secrets. */
  readonly config: Pick<
    StackConfig,
    "project" | "stack" | "region" | "fleet" | "hostManager" | "healthCheck" | "secrets"
  >;
  /** Tags of the stack, merged under each resource's role and Name. */
  readonly tags: Tags;
  /** The VPC the private DNS zone is attached to. */
  readonly vpcId: pulumi.Input<string>;
  /** The vSwitch the container group runs in. */
  readonly vSwitchId: pulumi.Input<string>;
  /** The host-manager's security group (its port open to the hosts only). */
  readonly securityGroupId: pulumi.Input<string>;
  /** The scaling group whose instances it tracks and repairs. */
  readonly scalingGroupId: pulumi.Input<string>;
  /** The bearer token the hosts send with their reports (a secret). */
  readonly fleetToken: pulumi.Input<string>;
  /** The other token slot, still accepted during a rotation (a secret). Optional. */
  readonly previousFleetToken?: pulumi.Input<string>;
  /** The hosts' current generation; older hosts are rolled (InstanceGroup.generation). */
  readonly generation: pulumi.Input<string>;
}

export class HostManager extends pulumi.ComponentResource {
  /** The URL the hosts report to: the private DNS name, stable across replacements. */
  readonly url: pulumi.Output<string>;
  readonly containerGroupId: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;

  constructor(name: string, args: HostManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(HOST_MANAGER_TYPE, name, {}, withFormerType(FORMER_TYPE, opts));
    const { config } = args;
    const settings = config.hostManager;
    const child = { parent: this };
    const tagsFor = (role: string, childName: string) => resourceTags(args.tags, role, childName);

    const roleName = `${name}-role`;
    const role = new alicloud.ram.Role(
      roleName,
      {
        roleName,
        description: `hpc-fleet ${config.stack}: the host-manager's health check and repairs`,
        assumeRolePolicyDocument: containerTrustPolicy(),
        tags: tagsFor("host-manager", roleName),
      },
      child,
    );
    const policyName = `${name}-policy`;
    const policy = new alicloud.ram.Policy(
      policyName,
      {
        policyName,
        description: `hpc-fleet ${config.stack}: describe, reboot and replace this stack's hosts`,
        policyDocument: pulumi.output(args.scalingGroupId).apply((scalingGroupId) =>
          hostManagerPolicyDocument({
            region: config.region,
            project: config.project,
            stack: config.stack,
            scalingGroupId,
          }),
        ),
        tags: tagsFor("host-manager", policyName),
      },
      child,
    );
    const attachment = new alicloud.ram.RolePolicyAttachment(
      `${name}-policy-attachment`,
      { roleName: role.roleName, policyName: policy.policyName, policyType: "Custom" },
      child,
    );

    const registryServer = settings.image.split("/")[0];
    const containerName = `${name}-container`;
    const containerGroup = new alicloud.eci.ContainerGroup(
      containerName,
      {
        containerGroupName: containerName,
        vswitchId: args.vSwitchId,
        securityGroupId: args.securityGroupId,
        cpu: settings.cpu,
        memory: settings.memoryGb,
        restartPolicy: "Always",
        ramRoleName: role.roleName,
        terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
        imageRegistryCredentials:
          settings.registryUsername && config.secrets.hostManagerRegistryPassword
            ? [
                {
                  server: registryServer,
                  userName: settings.registryUsername,
                  password: config.secrets.hostManagerRegistryPassword,
                },
              ]
            : undefined,
        volumes: [
          settings.storage === "nas"
            ? {
                name: "data",
                type: "NFSVolume",
                nfsVolumeServer: settings.nasServer,
                nfsVolumePath: settings.nasPath,
                nfsVolumeReadOnly: false,
              }
            : { name: "data", type: "EmptyDirVolume" },
        ],
        containers: [
          {
            name: "host-manager",
            image: settings.image,
            imagePullPolicy: "IfNotPresent",
            ports: [{ port: settings.port, protocol: "TCP" }],
            environmentVars: containerEnvironment({
              config,
              scalingGroupId: args.scalingGroupId,
              fleetToken: args.fleetToken,
              previousFleetToken: args.previousFleetToken,
              roleName: role.roleName,
              generation: args.generation,
            }),
            volumeMounts: [{ name: "data", mountPath: DATA_DIR, readOnly: false }],
            livenessProbes: [
              {
                httpGets: [{ path: "/healthz", port: settings.port, scheme: "HTTP" }],
                initialDelaySeconds: 15,
                periodSeconds: 10,
                timeoutSeconds: 3,
                failureThreshold: 3,
                successThreshold: 1,
              },
            ],
          },
        ],
        tags: tagsFor("host-manager", containerName),
      },
      { ...child, dependsOn: [attachment] },
    );

    const zoneName = `${name}-zone`;
    const zone = new alicloud.pvtz.Zone(
      zoneName,
      {
        zoneName: settings.dnsZone,
        remark: `hpc-fleet ${config.stack}`,
        tags: tagsFor("dns", zoneName),
      },
      child,
    );
    new alicloud.pvtz.ZoneAttachment(
      `${name}-zone-attachment`,
      { zoneId: zone.id, vpcIds: [args.vpcId] },
      child,
    );
    new alicloud.pvtz.ZoneRecord(
      `${name}-record`,
      {
        zoneId: zone.id,
        rr: settings.dnsRecord,
        type: "A",
        value: containerGroup.intranetIp,
        ttl: 60,
      },
      child,
    );

    this.url = pulumi.output(hostManagerUrl(settings));
    this.containerGroupId = containerGroup.id;
    this.privateIp = containerGroup.intranetIp;
    this.registerOutputs({
      url: this.url,
      containerGroupId: this.containerGroupId,
      privateIp: this.privateIp,
    });
  }
}
