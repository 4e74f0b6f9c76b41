// The whole stack config as one zod schema: every key, its type and its default.
// Keys live in the `hpc-fleet:` namespace of Pulumi.<stack>.yaml (region in `alicloud:region`).
import { z } from "zod";
import { cidr, decimal, flag, list, oneOf, text, wholeNumber } from "./fields";

export const MAX_INSTANCES = 1000;

const instanceType = text(
  /^ecs\.[a-z0-9-]+\.[a-z0-9]+$/,
  "an ECS instance type such as ecs.c7.2xlarge",
);
const zoneId = text(/^[a-z]{2}-[a-z0-9-]+$/, "a zone id such as cn-beijing-h");
const windowsPath = text(
  /^[A-Za-z]:\\[^"<>|?*]{0,256}$/,
  "an absolute Windows path (at most 259 characters) such as C:\\hpc",
);

const network = z.strictObject({
  zones: list(zoneId, 1, 5, "zones"),
  vpcCidr: cidr().default("10.42.0.0/16"),
  vSwitchCidrs: list(cidr(), 1, 5, "CIDR blocks").optional(),
  existingVpcId: text(/^vpc-[a-z0-9]+$/, "a VPC id such as vpc-2ze0abc").optional(),
  existingVSwitchIds: list(text(/^vsw-[a-z0-9]+$/, "a vSwitch id"), 1, 5, "vSwitch ids").optional(),
  adminCidrs: list(cidr(), 0, 20, "CIDR blocks").default([]),
  builderCidrs: list(cidr(), 0, 20, "CIDR blocks").default([]),
});

const clientFile = z.strictObject({
  source: text(/^[^\0]+$/, "a file path relative to image.clientSourceDir"),
  destination: windowsPath,
});

export const DEFAULT_CLIENT_FILES = [
  "hpc-client.exe",
  "win_download.exe",
  "file_list.json",
  "us3config.json",
].map((file) => ({ source: file, destination: `C:\\hpc\\client\\${file}` }));

const image = z.strictObject({
  existingImageId: text(/^m-[a-z0-9]+$/, "an image id such as m-2ze1abc").optional(),
  sourceImage: text(/^\S+$/, "a source image id").optional(),
  buildInstanceType: instanceType.default("ecs.g7.large"),
  buildAddress: oneOf(["public", "private"]).default("public"),
  clientSourceDir: text(/^\S.*$/, "a directory path").default("client"),
  clientFiles: list(clientFile, 1, 50, "client files").default(DEFAULT_CLIENT_FILES),
  clientChecksumsFile: text(/^\S.*$/, "a file path relative to the project").optional(),
  namePrefix: text(/^[A-Za-z][A-Za-z0-9-]{1,40}$/, "2 to 41 letters, digits or hyphens").default(
    "hpc-fleet-win",
  ),
  buildTimeoutMinutes: wholeNumber(30, 600).default(180),
});

const spot = z.strictObject({
  strategy: oneOf(["NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"]).default("NoSpot"),
  priceLimits: list(
    z.strictObject({ instanceType, maxPricePerHour: decimal(0.001, 1000) }),
    0,
    10,
    "price limits",
  ).default([]),
  onDemandBaseCapacity: wholeNumber(0, MAX_INSTANCES).default(0),
  onDemandPercentageAboveBase: wholeNumber(0, 100).optional(),
});

const fleet = z.strictObject({
  instanceCount: wholeNumber(0, MAX_INSTANCES),
  minSize: wholeNumber(0, MAX_INSTANCES).optional(),
  maxSize: wholeNumber(0, MAX_INSTANCES).optional(),
  instanceTypes: list(instanceType, 1, 10, "instance types"),
  hostNamePrefix: text(/^[A-Za-z][A-Za-z0-9-]{0,8}$/, "1 to 9 letters, digits or hyphens").default(
    "hpc",
  ),
  systemDisk: z
    .strictObject({
      category: oneOf(["cloud_essd", "cloud_auto", "cloud_ssd", "cloud_efficiency"]).default(
        "cloud_essd",
      ),
      sizeGb: wholeNumber(40, 2048).default(80),
    })
    .prefault({}),
  internetChargeType: oneOf(["PayByTraffic", "PayByBandwidth"]).default("PayByTraffic"),
  publicBandwidthMbps: wholeNumber(0, 100).default(0),
  spot: spot.prefault({}),
  removalPolicies: list(
    oneOf(["OldestScalingConfiguration", "OldestInstance", "NewestInstance"]),
    1,
    2,
    "removal policies",
  ).default(["OldestScalingConfiguration", "OldestInstance"]),
  deletionProtection: flag().optional(),
  minHealthyPercentage: wholeNumber(0, 100).default(80),
  clientExecutable: windowsPath.default("C:\\hpc\\client\\hpc-client.exe"),
  clientArguments: list(z.string({ error: "must be text" }).max(512), 0, 50, "arguments").default(
    [],
  ),
  heartbeatSeconds: wholeNumber(10, 600).default(60),
  accountName: text(/^[A-Za-z][A-Za-z0-9_-]{0,19}$/, "1 to 20 letters, digits, - or _").default(
    "hpc",
  ),
  accountIsAdministrator: flag().default(false),
  activeTokenSlot: oneOf(["a", "b"]).default("a"),
});

const statuspage = z.strictObject({
  pageId: text(/^[a-z0-9]+$/, "a Statuspage page id"),
  metricIds: z.strictObject({
    hostsTotal: text(/^[a-z0-9]+$/, "a Statuspage metric id"),
    running: text(/^[a-z0-9]+$/, "a Statuspage metric id"),
    unhealthy: text(/^[a-z0-9]+$/, "a Statuspage metric id"),
    remediating: text(/^[a-z0-9]+$/, "a Statuspage metric id"),
    remediations: text(/^[a-z0-9]+$/, "a Statuspage metric id"),
  }),
});

const hostManager = z.strictObject({
  image: text(
    /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+:[A-Za-z0-9._-]+$/,
    "an image such as registry.cn-beijing.aliyuncs.com/ns/host-manager:1.0.0",
  ).optional(),
  registryUsername: text(/^\S+$/, "a registry user name").optional(),
  cpu: decimal(0.25, 16).default(1),
  memoryGb: decimal(0.5, 64).default(2),
  port: wholeNumber(1024, 65535).default(8080),
  dnsZone: text(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "a DNS zone such as hpc-fleet.internal").default(
    "hpc-fleet.internal",
  ),
  dnsRecord: text(/^[a-z0-9-]{1,63}$/, "a DNS label such as host-manager").default("host-manager"),
  storage: oneOf(["emptyDir", "nas"]).default("emptyDir"),
  nasServer: text(/^[a-z0-9.-]+$/, "a NAS mount target address").optional(),
  nasPath: text(/^\/\S*$/, "an absolute NAS path such as /host-manager").default("/host-manager"),
  dryRun: flag().default(false),
  replaceMode: oneOf(["set-unhealthy", "remove"]).default("set-unhealthy"),
  statuspage: statuspage.optional(),
});

const maxUnhealthy = z.preprocess(
  (value) => (typeof value === "number" ? String(value) : value),
  text(/^(\d{1,4}|(100|[1-9]?\d)%)$/, 'a count such as 5 or a percentage such as "40%"'),
);

const healthCheck = z.strictObject({
  schedule: z.string({ error: "must be a cron expression" }).default("0 */5 * * * *"),
  startupTimeoutMinutes: wholeNumber(1, 240).default(20),
  heartbeatTimeoutMinutes: wholeNumber(1, 240).default(10),
  rebootCooldownMinutes: wholeNumber(1, 240).default(15),
  maxRemediationAttempts: wholeNumber(1, 10).default(3),
  maxUnhealthy: maxUnhealthy.default("40%"),
});

const tagKey = text(
  /^(?!aliyun|acs:|hpc-fleet:)[^\s].{0,127}$/,
  "a tag key of at most 128 characters that does not start with aliyun, acs: or hpc-fleet:",
);

/** Everything in the `hpc-fleet:` namespace, plus the region from `alicloud:region`. */
export const stackConfigSchema = z.strictObject({
  region: text(/^[a-z]{2}-[a-z]+(-[a-z]+)?(-\d+)?$/, "a region id such as cn-beijing"),
  environment: oneOf(["dev", "test", "staging", "prod"]),
  network,
  image: image.prefault({}),
  fleet,
  hostManager: hostManager.prefault({}),
  healthCheck: healthCheck.prefault({}),
  tags: z.record(tagKey, z.string({ error: "must be text" }).max(128)).default({}),
  statuspageApiKey: z.string().min(1, "must not be empty").optional(),
  hostManagerRegistryPassword: z.string().min(1, "must not be empty").optional(),
});

export type StackConfigInput = z.input<typeof stackConfigSchema>;
export type ParsedStackConfig = z.output<typeof stackConfigSchema>;

/** Tag keys the fleet sets on every resource; `hpc-fleet:tags` may not use them. */
export const RESERVED_TAG_KEYS: readonly string[] = [
  "Name",
  "project",
  "stack",
  "environment",
  "region",
  "role",
];

/** Config keys whose values are secrets: they must be set with `pulumi config set --secret`. */
export const SECRET_KEYS = ["statuspageApiKey", "hostManagerRegistryPassword"] as const;
