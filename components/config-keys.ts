// Which stack-config key each component arg comes from. With it, the config parser runs
// each component's own rules over the config fields that parsed and reports every problem
// under the key an operator sets (`hpc-fleet:network.adminCidrs[0]`) before any resource
// exists; and the fleet reports a problem that a component finds only while it is being
// declared (a client file missing on disk) under its key too. So each rule is written
// once, in its component. components/fleet.ts passes the values; a test holds the two
// to each other.
import { ConfigError, configKey, PROJECT, type ConfigProblem } from "../config/errors";
import type { ParsedSections } from "../config/rules";
import { SECRET_KEYS } from "../config/schema";
import { ArgProblemsError, type ArgName, type ArgProblem } from "./arg-problems";
import { hostManagerArgProblems, type HostManagerArgs } from "./host-manager/args";
import { instanceGroupArgProblems, type InstanceGroupArgs } from "./instance-group/args";
import { networkArgProblems, type NetworkArgs } from "./network/args";
import { operatorAccessArgProblems, type OperatorAccessArgs } from "./operator-access/args";
import { windowsImageArgProblems, type WindowsImageArgs } from "./windows-image/args";

/** For each arg the stack config gives a component, its key, e.g. `fleet.spot.priceLimits`. */
export type ConfigKeys<Args> = { readonly [Arg in keyof Args]?: string };

/** A component's rules, with the config key of each arg the config gives it. */
export interface ConfigBinding<Args> {
  readonly keys: ConfigKeys<Args>;
  readonly problems: (args: Partial<Args>, name: ArgName) => ArgProblem[];
}

export const NETWORK_CONFIG: ConfigBinding<NetworkArgs> = {
  keys: {
    zones: "network.zones",
    vpcCidr: "network.vpcCidr",
    vSwitchCidrs: "network.vSwitchCidrs",
    existingVpcId: "network.existingVpcId",
    existingVSwitchIds: "network.existingVSwitchIds",
    egress: "network.egress",
    natZone: "network.natZone",
    egressBandwidthMbps: "network.egressBandwidthMbps",
    builderCidrs: "network.builderCidrs",
    hostManagerPort: "hostManager.port",
  },
  problems: networkArgProblems,
};

export const WINDOWS_IMAGE_CONFIG: ConfigBinding<WindowsImageArgs> = {
  keys: {
    existingImageId: "image.existingImageId",
    sourceImage: "image.sourceImage",
    sourceImageName: "image.sourceImageName",
    region: "region",
    buildInstanceType: "image.buildInstanceType",
    buildAddress: "image.buildAddress",
    namePrefix: "image.namePrefix",
    buildTimeoutMinutes: "image.buildTimeoutMinutes",
    clientSourceDir: "image.clientSourceDir",
    clientFiles: "image.clientFiles",
    clientChecksumsFile: "image.clientChecksumsFile",
    clientArtifact: "image.clientArtifact",
  },
  problems: windowsImageArgProblems,
};

export const INSTANCE_GROUP_CONFIG: ConfigBinding<InstanceGroupArgs> = {
  keys: {
    instanceCount: "fleet.instanceCount",
    minSize: "fleet.minSize",
    maxSize: "fleet.maxSize",
    removalPolicies: "fleet.removalPolicies",
    deletionProtection: "fleet.deletionProtection",
    spotStrategy: "fleet.spot.strategy",
    spotPriceLimits: "fleet.spot.priceLimits",
    onDemandBaseCapacity: "fleet.spot.onDemandBaseCapacity",
    onDemandPercentageAboveBase: "fleet.spot.onDemandPercentageAboveBase",
    instanceTypes: "fleet.instanceTypes",
    hostNamePrefix: "fleet.hostNamePrefix",
    systemDiskCategory: "fleet.systemDisk.category",
    systemDiskSizeGb: "fleet.systemDisk.sizeGb",
    internetChargeType: "fleet.internetChargeType",
    publicBandwidthMbps: "fleet.publicBandwidthMbps",
    clientExecutable: "fleet.clientExecutable",
    clientArguments: "fleet.clientArguments",
    accountName: "fleet.accountName",
    accountIsAdministrator: "fleet.accountIsAdministrator",
    heartbeatSeconds: "fleet.heartbeatSeconds",
    minHealthyPercentage: "fleet.minHealthyPercentage",
    schedules: "fleet.schedules",
  },
  problems: instanceGroupArgProblems,
};

export const HOST_MANAGER_CONFIG: ConfigBinding<HostManagerArgs> = {
  keys: {
    region: "region",
    registryInstanceId: "hostManager.registryInstanceId",
    image: "hostManager.image",
    registryUsername: "hostManager.registryUsername",
    registryPassword: "hostManagerRegistryPassword",
    cpu: "hostManager.cpu",
    memoryGb: "hostManager.memoryGb",
    port: "hostManager.port",
    storage: "hostManager.storage",
    nasStorageType: "hostManager.nasStorageType",
    dnsZone: "hostManager.dnsZone",
    dnsRecord: "hostManager.dnsRecord",
    schedule: "healthCheck.schedule",
    startupTimeoutMinutes: "healthCheck.startupTimeoutMinutes",
    heartbeatTimeoutMinutes: "healthCheck.heartbeatTimeoutMinutes",
    rebootCooldownMinutes: "healthCheck.rebootCooldownMinutes",
    maxRemediationAttempts: "healthCheck.maxRemediationAttempts",
    maxUnhealthy: "healthCheck.maxUnhealthy",
    freezeWindows: "healthCheck.freezeWindows",
    replaceMode: "hostManager.replaceMode",
    dryRun: "hostManager.dryRun",
    fleetTokenFallback: "hostManager.legacyFleetToken",
    minHealthyPercentage: "fleet.minHealthyPercentage",
    statuspage: "hostManager.statuspage",
    statuspageApiKey: "statuspageApiKey",
  },
  problems: hostManagerArgProblems,
};

export const OPERATOR_ACCESS_CONFIG: ConfigBinding<OperatorAccessArgs> = {
  keys: {
    region: "region",
    endpoint: "operatorAccess.endpoint",
    sessionManager: "operatorAccess.sessionManager",
    zones: "network.zones",
    vSwitchCidrs: "network.vSwitchCidrs",
    adminCidrs: "network.adminCidrs",
    certificateId: "operatorAccess.certificateId",
    certificatePem: "operatorAccess.certificatePem",
    privateKeyPem: "operatorAccessPrivateKey",
    selfSigned: "operatorAccess.selfSigned",
    selfSignedDnsName: "operatorAccess.selfSignedDnsName",
    hostManagerPort: "hostManager.port",
  },
  problems: operatorAccessArgProblems,
};

/** `spotPriceLimits[0].instanceType` as ["spotPriceLimits", 0, "instanceType"]. */
function pathParts(propertyPath: string): PropertyKey[] {
  return [...propertyPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((match) =>
    match[2] === undefined ? match[1] : Number(match[2]),
  );
}

/** The config path of an arg's property path; undefined for an arg the config does not give. */
function configPathOf<Args>(
  keys: ConfigKeys<Args>,
  propertyPath: string,
): PropertyKey[] | undefined {
  const [arg, ...rest] = pathParts(propertyPath);
  const key = keys[arg as keyof Args];
  return key === undefined ? undefined : [...key.split("."), ...rest];
}

/** The full key an operator sets for an arg's property path, e.g. `hpc-fleet:fleet.minSize`. */
export function configKeyOf<Args>(
  binding: ConfigBinding<Args>,
  propertyPath: string,
): string | undefined {
  const path = configPathOf(binding.keys, propertyPath);
  return path && configKey(path);
}

/** Reasons name other keys as the config's own messages do: `fleet.instanceCount`. */
function nameInReason<Args>(binding: ConfigBinding<Args>): ArgName {
  return (propertyPath) =>
    configKeyOf(binding, propertyPath)?.replace(`${PROJECT}:`, "") ?? propertyPath;
}

/** A required secret is set with --secret: say so where the operator is told to set it. */
function withSecretHint(path: readonly PropertyKey[], reason: string): string {
  const isSecret = (SECRET_KEYS as readonly PropertyKey[]).includes(path[0]);
  return isSecret && reason.startsWith("is required")
    ? `${reason} (pulumi config set --secret)`
    : reason;
}

/**
 * The problems under config keys, or undefined if one is about an arg the config does not
 * give: the fleet wires those from other components, so they are not the operator's.
 */
function asConfigProblems<Args>(
  binding: ConfigBinding<Args>,
  problems: readonly ArgProblem[],
): ConfigProblem[] | undefined {
  const mapped: ConfigProblem[] = [];
  for (const { propertyPath, reason } of problems) {
    const path = configPathOf(binding.keys, propertyPath);
    if (!path) return undefined;
    mapped.push({ key: configKey(path), reason: withSecretHint(path, reason) });
  }
  return mapped;
}

/** The component's args as far as the config parsed: each value that parsed, by its key. */
function argsFromSections<Args>(keys: ConfigKeys<Args>, sections: ParsedSections): Partial<Args> {
  const args: Record<string, unknown> = {};
  for (const [arg, key] of Object.entries<string | undefined>(keys)) {
    let value: unknown = sections;
    for (const part of key?.split(".") ?? []) {
      value = (value as Record<string, unknown> | undefined)?.[part];
    }
    args[arg] = value;
  }
  return args as Partial<Args>;
}

function bindingProblems<Args>(
  binding: ConfigBinding<Args>,
  sections: ParsedSections,
): ConfigProblem[] {
  const args = argsFromSections(binding.keys, sections);
  const problems = binding.problems(args, nameInReason(binding));
  // An arg the config does not give is missing here by design: only its own are reported.
  return problems.flatMap((problem) => asConfigProblems(binding, [problem]) ?? []);
}

/** Every problem the components' rules find in the config sections, under full keys. */
export function componentConfigProblems(sections: ParsedSections): ConfigProblem[] {
  return [
    ...bindingProblems(NETWORK_CONFIG, sections),
    ...bindingProblems(WINDOWS_IMAGE_CONFIG, sections),
    ...bindingProblems(INSTANCE_GROUP_CONFIG, sections),
    ...bindingProblems(HOST_MANAGER_CONFIG, sections),
    ...bindingProblems(OPERATOR_ACCESS_CONFIG, sections),
  ];
}

/**
 * Declares a component; the problems it finds with config-given args come out as a
 * ConfigError under their keys, like those found while parsing.
 */
export function withConfigKeys<Args, T>(binding: ConfigBinding<Args>, declare: () => T): T {
  try {
    return declare();
  } catch (error) {
    const problems =
      error instanceof ArgProblemsError ? asConfigProblems(binding, error.problems) : undefined;
    throw problems ? new ConfigError(problems) : error;
  }
}
