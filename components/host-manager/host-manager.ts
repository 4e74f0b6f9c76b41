// hpc:host-manager:HostManager — the host-manager service as an ECI container group in the
// fleet's VPC, with a least-privilege RAM role and a stable private DNS name the hosts
// report to.
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { assertNoProblems } from "../arg-problems";
import { withFormerType } from "../former-type";
import { resourceTags } from "../tags";
import { hostManagerArgProblems, type HostManagerArgs } from "./args";
import { containerEnvironment, DATA_DIR } from "./container-env";
import { containerTrustPolicy, hostManagerPolicyDocument } from "./ram-policy";
import { declareRegistryImage } from "./registry";
import { declareStateVolume, STATE_VOLUME_NAME } from "./state-volume";
import { declareHostManagerTls } from "./tls";

export const HOST_MANAGER_TYPE = "hpc:host-manager:HostManager";
/** The token before it matched its folder; kept as an alias so stacks keep their URNs. */
const FORMER_TYPE = "hpc:hostmanager:HostManager";

/** Long enough for an in-flight health-check cycle to finish after SIGTERM. */
export const TERMINATION_GRACE_SECONDS = 90;

/** ECI restarts the container after 3 failed /healthz probes, 10 s apart, from 15 s after start. */
const LIVENESS_PROBE = {
  initialDelaySeconds: 15,
  periodSeconds: 10,
  timeoutSeconds: 3,
  failureThreshold: 3,
  successThreshold: 1,
} as const;

/** Short, so that a replaced container group's new address reaches the hosts soon. */
const DNS_RECORD_TTL_SECONDS = 60;

/** The service's private DNS name: the hosts resolve it in the zone, and its certificate names it. */
export function hostManagerDnsName(args: Pick<HostManagerArgs, "dnsRecord" | "dnsZone">) {
  return `${args.dnsRecord}.${args.dnsZone}`;
}

/**
 * The URL the hosts report to: HTTPS to the private DNS name, known before the container
 * group exists (so the hosts' user-data need not wait for it) and stable across
 * replacements of the group.
 */
export function hostManagerUrl(args: Pick<HostManagerArgs, "dnsRecord" | "dnsZone" | "port">) {
  return `https://${hostManagerDnsName(args)}:${args.port}`;
}

/** The registry an image is pulled from: `registry.cn-beijing.aliyuncs.com/ns/name@sha256:...`'s host. */
export function registryServer(image: string): string {
  return image.split("/")[0];
}

export interface HostManagerOutputs {
  /** The https URL the hosts report to: the private DNS name, stable across replacements. */
  readonly url: pulumi.Output<string>;
  /** The private CA the hosts trust for that URL (only for it): public, not a secret. */
  readonly caCertPem: pulumi.Output<string>;
  readonly containerGroupId: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;
}

/** Declares the service's resources as children of `parent`; the args are already checked. */
export function declareHostManager(
  parent: pulumi.Resource,
  name: string,
  args: HostManagerArgs,
): HostManagerOutputs {
  const child = { parent };
  const tagsFor = (role: string, childName: string) => resourceTags(args.tags, role, childName);

  const roleName = `${name}-role`;
  const role = new alicloud.ram.Role(
    roleName,
    {
      roleName,
      description: `hpc-fleet ${args.stack}: the host-manager's health check and repairs`,
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
      description: `hpc-fleet ${args.stack}: describe, reboot and replace this stack's hosts`,
      policyDocument: pulumi.output(args.scalingGroupId).apply((scalingGroupId) =>
        hostManagerPolicyDocument({
          region: args.region,
          project: args.project,
          stack: args.stack,
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

  // Built here and pulled by digest from the stack's registry, or an existing pinned image.
  const existingImage = args.image;
  const built =
    existingImage === undefined && args.registryInstanceId !== undefined
      ? declareRegistryImage(parent, name, {
          region: args.region,
          stack: args.stack,
          instanceId: args.registryInstanceId,
          vpcId: args.vpcId,
          vSwitchId: args.vSwitchId,
        })
      : undefined;
  const image = built ? built.imageRef : pulumi.output(existingImage ?? "");

  const state = declareStateVolume(parent, name, args, image);
  const tls = declareHostManagerTls(parent, name, {
    dnsName: hostManagerDnsName(args),
    stack: args.stack,
  });
  // Only this account's instances may register: the one the stack deploys into.
  const accountId = alicloud.getCallerIdentityOutput(child).accountId;
  if (args.fleetTokenFallback) {
    void pulumi.log.warn(
      "the host-manager still accepts reports with the shared fleet token (fleetTokenFallback): " +
        "any host holding it can report for any other; turn it off once every host registers",
      parent,
    );
  }
  const containerName = `${name}-container`;
  const containerGroup = new alicloud.eci.ContainerGroup(
    containerName,
    {
      containerGroupName: containerName,
      vswitchId: args.vSwitchId,
      securityGroupId: args.securityGroupId,
      cpu: args.cpu,
      memory: args.memoryGb,
      restartPolicy: "Always",
      ramRoleName: role.roleName,
      terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
      acrRegistryInfos: built ? [built.acrRegistryInfo] : undefined,
      imageRegistryCredentials:
        existingImage && args.registryUsername && args.registryPassword
          ? [
              {
                server: registryServer(existingImage),
                userName: args.registryUsername,
                password: args.registryPassword,
              },
            ]
          : undefined,
      volumes: [state.volume],
      initContainers: state.initContainers,
      containers: [
        {
          name: "host-manager",
          image,
          imagePullPolicy: "IfNotPresent",
          ports: [{ port: args.port, protocol: "TCP" }],
          environmentVars: containerEnvironment(args, role.roleName, { tls, accountId }),
          volumeMounts: [{ name: STATE_VOLUME_NAME, mountPath: DATA_DIR, readOnly: false }],
          livenessProbes: [
            {
              // The probe does not check the certificate (as a kubelet's does not).
              httpGets: [{ path: "/healthz", port: args.port, scheme: "HTTPS" }],
              ...LIVENESS_PROBE,
            },
          ],
        },
      ],
      tags: tagsFor("host-manager", containerName),
    },
    {
      ...child,
      dependsOn: [attachment, ...(built?.pullableAfter ?? [])],
      // Never two host-managers: one replaced (cpu, memory, its vSwitch, its volume... are
      // ForceNew) would otherwise run beside its successor, each rebooting and replacing
      // the same hosts and writing the same SQLite database (review B6). The old one goes
      // first; the hosts' reports wait for the new one (they retry).
      deleteBeforeReplace: true,
      // The provider sends the grace period only at create (resource_alicloud_eci_container_group.go:1301-1302;
      // its update never does), so a change takes effect only by replacing the group.
      replaceOnChanges: ["terminationGracePeriodSeconds"],
    },
  );

  const zoneName = `${name}-zone`;
  const zone = new alicloud.pvtz.Zone(
    zoneName,
    {
      zoneName: args.dnsZone,
      remark: `hpc-fleet ${args.stack}`,
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
      rr: args.dnsRecord,
      type: "A",
      value: containerGroup.intranetIp,
      ttl: DNS_RECORD_TTL_SECONDS,
    },
    child,
  );

  return {
    url: pulumi.output(hostManagerUrl(args)),
    caCertPem: tls.caCertPem,
    containerGroupId: containerGroup.id,
    privateIp: containerGroup.intranetIp,
  };
}

export class HostManager extends pulumi.ComponentResource implements HostManagerOutputs {
  readonly url: pulumi.Output<string>;
  public readonly caCertPem: pulumi.Output<string>;
  readonly containerGroupId: pulumi.Output<string>;
  readonly privateIp: pulumi.Output<string>;

  constructor(name: string, args: HostManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    assertNoProblems(HOST_MANAGER_TYPE, name, hostManagerArgProblems(args));
    super(HOST_MANAGER_TYPE, name, {}, withFormerType(FORMER_TYPE, opts));
    const outputs = declareHostManager(this, name, args);
    this.url = outputs.url;
    this.caCertPem = outputs.caCertPem;
    this.containerGroupId = outputs.containerGroupId;
    this.privateIp = outputs.privateIp;
    this.registerOutputs({ ...outputs });
  }
}
