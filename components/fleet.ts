// Wires the fleet's components for one stack, in the order the cloud needs them:
// network, image, hosts, the host-manager that watches them, then the operators' way in. It is the one place
// that reads the stack config for them: each *ConfigArgs below maps the config to a
// component's args (config-keys.ts names the key of each). index.ts exports what
// declareFleet returns; tests run it directly under mocks.
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import type { StackConfig } from "../config";
import { WINDOWS_IMAGE_CONFIG, withConfigKeys } from "./config-keys";
import { declareFleetTokens, declareOperatorToken } from "./fleet-token";
import type { HostManagerArgs } from "./host-manager/args";
import { HostManager, hostManagerUrl } from "./host-manager/host-manager";
import type { InstanceGroupArgs } from "./instance-group/args";
import { InstanceGroup } from "./instance-group/instance-group";
import { entriesWithCounts } from "./instance-group/schedules";
import { Network } from "./network/network";
import type { NetworkArgs } from "./network/args";
import type { OperatorAccessArgs } from "./operator-access/args";
import { OperatorAccess } from "./operator-access/operator-access";
import type { Tags } from "./tags";
import type { WindowsImageArgs } from "./windows-image/args";
import { WindowsImage } from "./windows-image/windows-image";

const PROJECT_DIR = resolve(__dirname, "..");

export interface FleetOutputs {
  readonly region: string;
  readonly environment: string;
  readonly instanceCount: number;
  readonly vpcId: pulumi.Output<string>;
  readonly imageId: pulumi.Output<string>;
  readonly scalingGroupId: pulumi.Output<string>;
  readonly scalingConfigurationId: pulumi.Output<string>;
  readonly hostsSecurityGroupId: pulumi.Output<string>;
  readonly hostManagerUrl: pulumi.Output<string>;
  readonly hostManagerContainerGroupId: pulumi.Output<string>;
  /** The fleet token, a Pulumi secret: the hosts report with it, and it does nothing else. */
  readonly fleetToken: pulumi.Output<string>;
  /**
   * The first operator's token (operator `first-operator`), a Pulumi secret: sign in to
   * the status page or call the API with it, and add the other operators with the CLI.
   */
  readonly operatorToken: pulumi.Output<string>;
  /** The address the fleet's outbound traffic leaves from; undefined with network.egress none. */
  readonly egressIp: pulumi.Output<string | undefined>;
  /** The operators' HTTPS URL of the host-manager; undefined without operatorAccess.endpoint. */
  readonly operatorUrl: pulumi.Output<string | undefined>;
}

/** The tags every resource of this stack carries: the operator's, then the stack's own. */
export function stackTags(
  config: Pick<StackConfig, "project" | "stack" | "environment" | "region" | "tags">,
): Tags {
  return {
    ...config.tags,
    project: config.project,
    stack: config.stack,
    environment: config.environment,
    region: config.region,
  };
}

/** Cloud names are global within an account and region: prefix them with the stack. */
export function resourcePrefix(stack: string): string {
  return `hpc-${stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`;
}

/** The Network's args that come from the stack config. */
export function networkConfigArgs(config: StackConfig) {
  const { network } = config;
  return {
    zones: network.zones,
    vpcCidr: network.vpcCidr,
    vSwitchCidrs: network.vSwitchCidrs,
    existingVpcId: network.existingVpcId,
    existingVSwitchIds: network.existingVSwitchIds,
    egress: network.egress,
    natZone: network.natZone,
    egressBandwidthMbps: network.egressBandwidthMbps,
    builderCidrs: network.builderCidrs,
    hostManagerPort: config.hostManager.port,
  } satisfies Omit<NetworkArgs, "tags">;
}

/** The WindowsImage's args that come from the stack config. */
export function windowsImageConfigArgs(config: StackConfig) {
  const { image } = config;
  return {
    existingImageId: image.existingImageId,
    sourceImage: image.sourceImage,
    sourceImageName: image.sourceImageName,
    region: config.region,
    buildInstanceType: image.buildInstanceType,
    buildAddress: image.buildAddress,
    namePrefix: image.namePrefix,
    buildTimeoutMinutes: image.buildTimeoutMinutes,
    clientSourceDir: image.clientSourceDir,
    clientFiles: image.clientFiles,
    clientChecksumsFile: image.clientChecksumsFile,
    clientArtifact: image.clientArtifact,
  } satisfies Partial<WindowsImageArgs>;
}

/** The InstanceGroup's args that come from the stack config. */
export function instanceGroupConfigArgs(config: StackConfig) {
  const { fleet } = config;
  return {
    instanceCount: fleet.instanceCount,
    minSize: fleet.minSize,
    maxSize: fleet.maxSize,
    removalPolicies: fleet.removalPolicies,
    deletionProtection: fleet.deletionProtection,
    spotStrategy: fleet.spot.strategy,
    spotPriceLimits: fleet.spot.priceLimits,
    onDemandBaseCapacity: fleet.spot.onDemandBaseCapacity,
    onDemandPercentageAboveBase: fleet.spot.onDemandPercentageAboveBase,
    instanceTypes: fleet.instanceTypes,
    hostNamePrefix: fleet.hostNamePrefix,
    systemDiskCategory: fleet.systemDisk.category,
    systemDiskSizeGb: fleet.systemDisk.sizeGb,
    internetChargeType: fleet.internetChargeType,
    publicBandwidthMbps: fleet.publicBandwidthMbps,
    clientExecutable: fleet.clientExecutable,
    clientArguments: fleet.clientArguments,
    accountName: fleet.accountName,
    accountIsAdministrator: fleet.accountIsAdministrator,
    heartbeatSeconds: fleet.heartbeatSeconds,
    minHealthyPercentage: fleet.minHealthyPercentage,
    schedules: fleet.schedules,
  } satisfies Partial<InstanceGroupArgs>;
}

/** The HostManager's args that come from the stack config. */
export function hostManagerConfigArgs(config: StackConfig) {
  const { hostManager, healthCheck, secrets } = config;
  return {
    region: config.region,
    registryInstanceId: hostManager.registryInstanceId,
    image: hostManager.image,
    registryUsername: hostManager.registryUsername,
    registryPassword: secrets.hostManagerRegistryPassword,
    cpu: hostManager.cpu,
    memoryGb: hostManager.memoryGb,
    port: hostManager.port,
    storage: hostManager.storage,
    nasStorageType: hostManager.nasStorageType,
    dnsZone: hostManager.dnsZone,
    dnsRecord: hostManager.dnsRecord,
    schedule: healthCheck.schedule,
    startupTimeoutMinutes: healthCheck.startupTimeoutMinutes,
    heartbeatTimeoutMinutes: healthCheck.heartbeatTimeoutMinutes,
    rebootCooldownMinutes: healthCheck.rebootCooldownMinutes,
    maxRemediationAttempts: healthCheck.maxRemediationAttempts,
    maxUnhealthy: healthCheck.maxUnhealthy,
    freezeWindows: healthCheck.freezeWindows,
    replaceMode: hostManager.replaceMode,
    dryRun: hostManager.dryRun,
    fleetTokenFallback: hostManager.legacyFleetToken,
    ...(hostManager.identitySigningCertPem === undefined
      ? {}
      : { identitySigningCertPem: hostManager.identitySigningCertPem }),
    minHealthyPercentage: config.fleet.minHealthyPercentage,
    statuspage: hostManager.statuspage,
    statuspageApiKey: secrets.statuspageApiKey,
  } satisfies Partial<HostManagerArgs>;
}

/** The OperatorAccess's args that come from the stack config. */
export function operatorAccessConfigArgs(config: StackConfig) {
  const { network, operatorAccess } = config;
  return {
    region: config.region,
    endpoint: operatorAccess.endpoint,
    sessionManager: operatorAccess.sessionManager,
    zones: network.zones,
    vSwitchCidrs: network.vSwitchCidrs,
    adminCidrs: network.adminCidrs,
    certificateId: operatorAccess.certificateId,
    certificatePem: operatorAccess.certificatePem,
    privateKeyPem: config.secrets.operatorAccessPrivateKey,
    selfSigned: operatorAccess.selfSigned,
    selfSignedDnsName: operatorAccess.selfSignedDnsName,
    hostManagerPort: config.hostManager.port,
  } satisfies Partial<OperatorAccessArgs>;
}

/**
 * The CIDR block of the first vSwitch, where the host-manager runs: the config's for the
 * vSwitches the stack creates; looked up for existing ones, whose blocks the config only
 * guesses (network.vSwitchCidrs defaults to a split of vpcCidr).
 */
function firstVSwitchCidr(
  config: StackConfig,
  vSwitchId: pulumi.Output<string>,
): pulumi.Input<string> {
  if (!config.network.existingVSwitchIds) return config.network.vSwitchCidrs[0];
  return alicloud.vpc
    .getSwitchesOutput({ ids: [vSwitchId] })
    .apply((found) => found.vswitches[0].cidrBlock);
}

/**
 * A resource that others must wait for but that is declared after them: `resources`
 * settles once `declare` has run, with what it declared; or fails with its error, so the
 * waiting ones are never registered (the program stops there, as on any failed
 * registration) instead of waiting forever.
 */
function declaredLater<T extends pulumi.Resource>() {
  let settle: (resource: T) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const declared = new Promise<T>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  return {
    resources: declared.then((resource): pulumi.Resource[] => [resource]),
    /** An output of the resource, for what is declared before it. */
    output<U>(read: (resource: T) => pulumi.Input<U>): pulumi.Output<U> {
      return pulumi.output(declared.then(read)) as pulumi.Output<U>;
    },
    declare(declare: () => T): T {
      try {
        const resource = declare();
        settle(resource);
        return resource;
      } catch (error) {
        fail(error);
        throw error;
      }
    },
  };
}

/**
 * Declares the fleet for `config` at `now`, the program's one moment: the scaling group
 * is declared with the capacity fleet.schedules holds then (instance-group/schedules.ts).
 */
export function declareFleet(config: StackConfig, now: Date): FleetOutputs {
  const prefix = resourcePrefix(config.stack);
  const tags = stackTags(config);

  const network = new Network(`${prefix}-network`, {
    ...networkConfigArgs(config),
    buildsImage: config.image.existingImageId === undefined,
    tags,
  });
  const firstVSwitchId = network.vSwitchIds.apply((ids) => ids[0]);

  // The image reads the client files while it is declared: what it finds wrong with them
  // reaches the operator under their config keys, as the parser's problems do.
  const image = withConfigKeys(
    WINDOWS_IMAGE_CONFIG,
    () =>
      new WindowsImage(`${prefix}-image`, {
        ...windowsImageConfigArgs(config),
        stack: config.stack,
        tags,
        projectDir: PROJECT_DIR,
        vpcId: network.vpcId,
        vSwitchId: firstVSwitchId,
        buildSecurityGroupId: network.buildSecurityGroupId,
      }),
  );

  const tokens = declareFleetTokens(prefix, config.fleet.activeTokenSlot);
  const { legacyFleetToken } = config.hostManager;
  if (legacyFleetToken) {
    pulumi.log.warn(
      "hostManager.legacyFleetToken is on: every host's user-data carries the shared fleet token " +
        "again, readable by any process on any host. Keep it for one release at most, while hosts " +
        "move to registering by instance identity, then turn it off.",
    );
  }
  if (!legacyFleetToken && config.hostManager.identitySigningCertPem === undefined) {
    pulumi.log.warn(
      "hostManager.identitySigningCertPem is not set: no host can register by its instance " +
        "identity, so none can report, and the host-manager holds the fleet (nothing is " +
        "remediated) until it is. Set it to Alibaba's instance-identity signing certificate " +
        '("Use instance identities" in the ECS docs), or hostManager.legacyFleetToken for one release.',
    );
  }
  const operatorToken = declareOperatorToken(prefix);

  const hostManagerArgs = hostManagerConfigArgs(config);
  const url = hostManagerUrl(hostManagerArgs);
  // The host-manager watches the scaling group, so it needs the group's id; the hosts
  // launch only once the host-manager is up, so the group's launch waits for it.
  const hostManagerUp = declaredLater<HostManager>();
  const hosts = new InstanceGroup(`${prefix}-hosts`, {
    ...instanceGroupConfigArgs(config),
    vSwitchIds: network.vSwitchIds,
    hostsSecurityGroupId: network.hostsSecurityGroupId,
    imageId: image.imageId,
    hostManagerUrl: url,
    // The CA the host-manager's certificate chains to: the hosts trust it for that endpoint
    // only. Declared with the HostManager, after the hosts (it watches their group).
    hostManagerCaCertPem: hostManagerUp.output((hostManager) => hostManager.caCertPem),
    ...(legacyFleetToken ? { legacyFleetToken: tokens.active } : {}),
    tags,
    launchAfter: hostManagerUp.resources,
    capacityAt: now,
  });

  const hostManager = hostManagerUp.declare(
    () =>
      new HostManager(`${prefix}-host-manager`, {
        ...hostManagerArgs,
        project: config.project,
        stack: config.stack,
        tags,
        vpcId: network.vpcId,
        vSwitchId: firstVSwitchId,
        zoneId: config.network.zones[0],
        vSwitchCidr: firstVSwitchCidr(config, firstVSwitchId),
        securityGroupId: network.hostManagerSecurityGroupId,
        scalingGroupId: hosts.scalingGroupId,
        fleetToken: tokens.active,
        previousFleetToken: tokens.previous,
        operatorToken,
        generation: hosts.generation,
        // The schedule with "instanceCount" as the count: the service cannot resolve it.
        capacitySchedules: entriesWithCounts(config.fleet.schedules, config.fleet.instanceCount),
        // Behind the operator endpoint's TLS, the status page's session cookie can be Secure.
        statusPageBehindTls: config.operatorAccess.endpoint,
      }),
  );

  const operatorAccess = new OperatorAccess(`${prefix}-operator-access`, {
    ...operatorAccessConfigArgs(config),
    tags,
    vpcId: network.vpcId,
    vSwitchIds: network.vSwitchIds,
    hostManagerContainerGroupId: hostManager.containerGroupId,
    hostManagerSecurityGroupId: network.hostManagerSecurityGroupId,
  });

  return {
    region: config.region,
    environment: config.environment,
    instanceCount: config.fleet.instanceCount,
    vpcId: network.vpcId,
    imageId: image.imageId,
    scalingGroupId: hosts.scalingGroupId,
    scalingConfigurationId: hosts.scalingConfigurationId,
    hostsSecurityGroupId: hosts.hostsSecurityGroupId,
    hostManagerUrl: hostManager.url,
    hostManagerContainerGroupId: hostManager.containerGroupId,
    fleetToken: pulumi.secret(tokens.active),
    operatorToken: pulumi.secret(operatorToken),
    egressIp: network.egressIp,
    operatorUrl: operatorAccess.url,
  };
}
