// The whole stack config as one zod schema: every key, its type and its default.
// Keys live in the `hpc-fleet:` namespace of Pulumi.<stack>.yaml (region in `alicloud:region`).
import { capacitySchedulesSchema, freezeWindowsSchema } from "@hpc-fleet/fleet-contract";
import { z } from "zod";
import { EGRESS_PATTERN, MAX_EGRESS_BANDWIDTH_MBPS } from "../components/network/args";
import { doc } from "./doc";
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
  zones: list(zoneId, 1, 5, "zones").meta(
    doc("Zones of the region the fleet spreads across, one vSwitch each."),
  ),
  vpcCidr: cidr().default("10.42.0.0/16").meta(doc("The new VPC's block.")),
  vSwitchCidrs: list(cidr(), 1, 5, "CIDR blocks")
    .optional()
    .meta(doc("One per zone, inside `vpcCidr`.", "the VPC split into 16 (a /16 gives /20s)")),
  existingVpcId: text(/^vpc-[a-z0-9]+$/, "a VPC id such as vpc-2ze0abc")
    .optional()
    .meta(doc("Use this VPC instead of creating one (with `existingVSwitchIds`).")),
  existingVSwitchIds: list(text(/^vsw-[a-z0-9]+$/, "a vSwitch id"), 1, 5, "vSwitch ids")
    .optional()
    .meta(doc("One existing vSwitch per zone, in the zones' order.")),
  egress: text(EGRESS_PATTERN, "nat, none or a NAT gateway id such as ngw-2ze0abc")
    .default("nat")
    .meta(
      doc(
        "Outbound internet for the hosts and the host-manager (nothing inbound): `nat` declares an Enhanced NAT gateway, an EIP and one SNAT entry per vSwitch; `none` for a closed lab; a NAT gateway id adds the SNAT entries to that gateway (in `existingVpcId`).",
      ),
    ),
  natZone: zoneId
    .optional()
    .meta(
      doc(
        "The zone of the NAT gateway's vSwitch, one of `zones`; it must offer Enhanced NAT gateways (checked at preview).",
        "the first of `zones`, with `egress: nat`",
      ),
    ),
  egressBandwidthMbps: wholeNumber(1, MAX_EGRESS_BANDWIDTH_MBPS)
    .default(100)
    .meta(doc("The NAT gateway's EIP bandwidth cap in Mbit/s; billed by traffic.")),
  adminCidrs: list(cidr(), 0, 20, "CIDR blocks")
    .default([])
    .meta(
      doc(
        "Who may reach the operator endpoint (HTTPS: the host-manager's status page, API and `/metrics`), the load balancer's white list; required with operator access. Never `/0`.",
      ),
    ),
  builderCidrs: list(cidr(), 0, 20, "CIDR blocks")
    .default([])
    .meta(
      doc(
        "Who may reach the Packer build instance's WinRM (5986); required when the image is built. Never `/0`.",
      ),
    ),
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

/** No query: a presigned URL is a bearer credential, which belongs in no stack file. */
const artifactUrl = text(
  /^(oss:\/\/[a-z0-9][a-z0-9-]{1,61}[a-z0-9]|https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)\/([^?#\s]*\/)?[^/?#\s]+\.zip$/,
  "an oss://bucket/key or https:// URL of a .zip, without a query",
);

const clientArtifact = z.strictObject({
  url: artifactUrl,
  sha256: text(/^[0-9a-f]{64}$/, "a SHA-256 of 64 lowercase hex digits"),
});

const image = z.strictObject({
  existingImageId: text(/^m-[a-z0-9]+$/, "an image id such as m-2ze1abc")
    .optional()
    .meta(doc("Use this image and build nothing.")),
  sourceImage: text(/^\S+$/, "a source image id")
    .optional()
    .meta(
      doc(
        "The id of the Windows image Packer starts from. Pinned: the image is rebuilt only when you change it, but the build fails once Alibaba retires that public image. Not with `image.sourceImageName`.",
        "this or `image.sourceImageName`, to build",
      ),
    ),
  sourceImageName: text(/^\S+$/, "a regular expression over image names")
    .optional()
    .meta(
      doc(
        "A regular expression over public image names, e.g. `^win2022_21H2_x64_dtc_en-us_40G_alibase_\\d{8}\\.vhd$`: Packer starts from the newest Available x86_64 Windows public image in the region whose name matches, looked up at every preview and `up`. A newly published image therefore changes the image's hash and rebuilds it at the next `up` (a preview shows the build replaced; the offline plan's summary says `Windows image rebuilt`); pin `image.sourceImage` instead to rebuild only when you choose. Not with `image.sourceImage`.",
      ),
    ),
  buildInstanceType: instanceType
    .default("ecs.g7.large")
    .meta(doc("The temporary build instance's type.")),
  buildAddress: oneOf(["public", "private"])
    .default("public")
    .meta(
      doc(
        "How Packer reaches the build instance: a public address, or its private IP (Packer inside the VPC).",
      ),
    ),
  clientSourceDir: text(/^\S.*$/, "a directory path")
    .default("client")
    .meta(doc("Where the operator's client files are, relative to the project.")),
  clientFiles: list(clientFile, 1, 50, "client files")
    .default(DEFAULT_CLIENT_FILES)
    .meta(
      doc(
        "Files baked into the image, each `{source, destination}`.",
        "the four client files to `C:\\hpc\\client\\`",
      ),
    ),
  clientChecksumsFile: text(/^\S.*$/, "a file path relative to the project")
    .optional()
    .meta(
      doc(
        "A committed `sha256sum` list of the client files (e.g. `client/SHA256SUMS`): previews without the binaries (CI) still know the image's hash, and binaries that are present must match it. Not with `image.clientArtifact`.",
      ),
    ),
  clientArtifact: clientArtifact
    .optional()
    .meta(
      doc(
        "A zip of the client files that CI downloads into `image.clientSourceDir` (under its own name), checks and unpacks before `pulumi up`: `url` is `oss://bucket/key` or `https://…` ending in `.zip` (no query: a presigned URL is a credential), `sha256` its 64 lowercase hex digits. The digest stands for the client files in the image's hash, so previews without them know it; an `up` needs the zip there, and the unpacked files must be its entries.",
      ),
    ),
  namePrefix: text(/^[A-Za-z][A-Za-z0-9-]{1,40}$/, "2 to 41 letters, digits or hyphens")
    .default("hpc-fleet-win")
    .meta(doc("Image names are this plus a content hash and a timestamp.")),
  buildTimeoutMinutes: wholeNumber(30, 600).default(180).meta(doc("How long a build may take.")),
  keepImages: wholeNumber(1, 50)
    .default(3)
    .meta(
      doc(
        "How many of the newest images this stack built `npm run images:prune -- -s STACK` keeps; older ones are deleted, never one a scaling configuration or instance uses, nor the one the stack's state names.",
      ),
    ),
});

const spot = z.strictObject({
  strategy: oneOf(["NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"])
    .default("NoSpot")
    .meta(doc("Spot use above the on-demand share.")),
  priceLimits: list(
    // At most 2 decimals (the InstanceGroup's rule): the provider sends cents.
    z.strictObject({ instanceType, maxPricePerHour: decimal(0.01, 1000) }),
    0,
    10,
    "price limits",
  )
    .default([])
    .meta(
      doc(
        "A `{instanceType, maxPricePerHour}` for every instance type, required with `SpotWithPriceLimit`.",
      ),
    ),
  onDemandBaseCapacity: wholeNumber(0, MAX_INSTANCES)
    .default(0)
    .meta(doc("Hosts always on demand.")),
  onDemandPercentageAboveBase: wholeNumber(0, 100)
    .optional()
    .meta(
      doc(
        "On-demand share above the base. Mixing spot and on-demand puts the group under ESS's `COMPOSABLE` policy; changing between mixed and unmixed replaces the group.",
        "`100` with `NoSpot`, else `0`",
      ),
    ),
});

const fleet = z.strictObject({
  instanceCount: wholeNumber(0, MAX_INSTANCES).meta(
    doc(
      'The scaling group\'s desired size; with `fleet.schedules`, the size its `"instanceCount"` entries bring back.',
    ),
  ),
  minSize: wholeNumber(0, MAX_INSTANCES)
    .optional()
    .meta(
      doc(
        "The group's minimum; `instanceCount` holds the size. ESS refuses to remove a host that would take the group below it, so at `instanceCount` no host could be replaced by removal.",
        "`0`",
      ),
    ),
  maxSize: wholeNumber(0, MAX_INSTANCES)
    .optional()
    .meta(doc("The group's maximum.", "`instanceCount`")),
  schedules: capacitySchedulesSchema
    .default([])
    .meta(
      doc(
        'Scheduled capacity, declared as ESS scheduled tasks: each `{at, timeZone, instanceCount}` or `{cron, timeZone, instanceCount}`, `at` a daily time such as `"20:00"`, `cron` 5 fields (minute first) such as `"0 20 * * 1-5"`, `timeZone` IANA (default UTC) with a fixed offset all year (ESS runs the tasks in UTC, so zones with daylight saving are refused), `instanceCount` a number of hosts (within `minSize` and `maxSize`) or `"instanceCount"` for `fleet.instanceCount`. A `pulumi up` declares the size the schedule holds at that moment, so it never undoes the schedule. Run `up` at least every ten months: ESS ends a recurrence within a year.',
      ),
    ),
  instanceTypes: list(instanceType, 1, 10, "instance types").meta(
    doc("Instance types, tried in order."),
  ),
  hostNamePrefix: text(/^[A-Za-z][A-Za-z0-9-]{0,8}$/, "1 to 9 letters, digits or hyphens")
    .default("hpc")
    .meta(doc("Host names are this plus a sequence number, within Windows' 15 characters.")),
  systemDisk: z
    .strictObject({
      // The scaling configuration's system_disk_category validator has no cloud_auto
      // (aliyun/terraform-provider-alicloud resource_alicloud_ess_scaling_configuration.go:203-208);
      // of what it allows, these are the cloud disks offered with current instance types.
      category: oneOf(["cloud_essd", "cloud_ssd", "cloud_efficiency"])
        .default("cloud_essd")
        .meta(doc("System disk type.")),
      // system_disk_size is IntBetween(20, 500) there (:215-219), whatever the bridged docs
      // say of 2048; 40 is the size of the Windows images the fleet boots (`..._40G_...`).
      sizeGb: wholeNumber(40, 500).default(80).meta(doc("System disk size in GB.")),
    })
    .prefault({})
    .meta(doc("The hosts' system disk.")),
  internetChargeType: oneOf(["PayByTraffic", "PayByBandwidth"])
    .default("PayByTraffic")
    .meta(doc("Billing of public bandwidth, where the region offers it.")),
  publicBandwidthMbps: wholeNumber(0, 100)
    .default(0)
    .meta(doc("Public bandwidth per host; 0 means no public address.")),
  spot: spot.prefault({}).meta(doc("Spot instances and the on-demand share.")),
  removalPolicies: list(
    oneOf(["OldestScalingConfiguration", "OldestInstance", "NewestInstance"]),
    1,
    2,
    "removal policies",
  )
    .default(["OldestScalingConfiguration", "OldestInstance"])
    .meta(doc("Which hosts go first when the group shrinks.")),
  deletionProtection: flag()
    .optional()
    .meta(doc("Protects the scaling group from deletion.", "`true` unless `dev`")),
  minHealthyPercentage: wholeNumber(0, 100)
    .default(80)
    .meta(doc("Share of the fleet kept running while a new image rolls out.")),
  clientExecutable: windowsPath
    .default("C:\\hpc\\client\\hpc-client.exe")
    .meta(doc("The client started at logon; one of `image.clientFiles`' destinations.")),
  clientArguments: list(z.string({ error: "must be text" }).max(512), 0, 50, "arguments")
    .default([])
    .meta(doc("The client's arguments.")),
  heartbeatSeconds: wholeNumber(10, 600)
    .default(60)
    .meta(doc("How often a host reports while its client runs.")),
  accountName: text(/^[A-Za-z][A-Za-z0-9_-]{0,19}$/, "1 to 20 letters, digits, - or _")
    .default("hpc")
    .meta(doc("The local account that logs on automatically and runs the client.")),
  accountIsAdministrator: flag()
    .default(false)
    .meta(doc("Whether that account is a local administrator.")),
  activeTokenSlot: oneOf(["a", "b"])
    .default("a")
    .meta(
      doc(
        "Which of the two fleet tokens the hosts carry; the host-manager accepts both. Flip it to rotate the token.",
      ),
    ),
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
  // The component whose status (and incidents: storm guard, freeze) follow the fleet.
  componentId: text(/^[a-z0-9]+$/, "a Statuspage component id").optional(),
});

const hostManager = z.strictObject({
  registryInstanceId: text(
    /^cri-[a-z0-9]+$/,
    "a Container Registry instance id such as cri-2ze0abc",
  )
    .optional()
    .meta(
      doc(
        "The Container Registry Enterprise Edition instance (made by hand, once per region) the stack builds the host-manager's image into: it declares the namespace `hpc-fleet-<stack>`, the repository `host-manager` and the instance's VPC endpoint, builds services/host-manager/Dockerfile with @pulumi/docker-build on `pulumi up` (a Docker daemon there), pushes it tagged with the service's version and runs it pinned by digest, pulled over the VPC. Required unless `hostManager.image`.",
      ),
    ),
  // Pinned by digest: the component's rule says so by this key (components/host-manager/args.ts).
  image: text(/^\S+$/, "an image reference")
    .optional()
    .meta(
      doc(
        "Instead of `registryInstanceId`: run this existing image, pinned by digest (`registry/namespace/name@sha256:<64 hex digits>`; a tag alone can be re-pushed), and build nothing. It must be pullable from the VPC (a `-vpc` registry endpoint).",
      ),
    ),
  registryUsername: text(/^\S+$/, "a registry user name")
    .optional()
    .meta(
      doc(
        "For `hostManager.image`'s private registry, with the secret `hostManagerRegistryPassword`.",
      ),
    ),
  cpu: decimal(0.25, 16)
    .default(1)
    .meta(doc("vCPUs of the container group: 0.25, 0.5, 1, 2, 4, 8, 12 or 16 (ECI's sizes).")),
  memoryGb: decimal(0.5, 64)
    .default(2)
    .meta(
      doc(
        "Memory of the container group in GB, a size ECI pairs with `cpu` (1 vCPU: 2, 4 or 8; 2 vCPUs: 1 to 16).",
      ),
    ),
  port: wholeNumber(1024, 65535).default(8080).meta(doc("The API port.")),
  dnsZone: text(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "a DNS zone such as hpc-fleet.internal")
    .default("hpc-fleet.internal")
    .meta(doc("The private zone attached to the VPC.")),
  dnsRecord: text(/^[a-z0-9-]{1,63}$/, "a DNS label such as host-manager")
    .default("host-manager")
    .meta(doc("The host-manager's name in that zone.")),
  storage: oneOf(["nas", "emptyDir"])
    .default("nas")
    .meta(
      doc(
        "Where its SQLite database lives: a NAS file system the stack declares in the container group's vSwitch, kept across updates and replacements; or an `emptyDir`, lost whenever the container group is replaced (enough for a dev stack that can lose its history).",
      ),
    ),
  // Capacity and Performance are the General-purpose NAS types (resource_alicloud_nas_file_system.go
  // storage_type); Capacity is offered in more zones, and a small SQLite file needs no more.
  nasStorageType: oneOf(["Capacity", "Performance"])
    .default("Capacity")
    .meta(
      doc(
        "The NAS file system's storage type, with `nas`. A change makes a new, empty file system (ForceNew).",
      ),
    ),
  dryRun: flag().default(false).meta(doc("Log remediations instead of acting.")),
  identitySigningCertPem: text(
    /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/,
    "a PEM certificate",
  )
    .optional()
    .meta(
      doc(
        'The certificate Alibaba Cloud signs ECS instance identities with (PEM, public), as published on its "Use instance identities" page: the host-manager checks every host\'s registration against it. Required unless `legacyFleetToken` is on.',
      ),
    ),
  legacyFleetToken: flag()
    .default(false)
    .meta(
      doc(
        "For one release only: put the shared fleet token back in every host's user-data, as the fallback a host reports with when it cannot register by its instance identity. Off by default (no secret on any host); `pulumi up` warns while it is on.",
      ),
    ),
  replaceMode: oneOf(["set-unhealthy", "remove"])
    .default("set-unhealthy")
    .meta(
      doc(
        "How a host is replaced: ESS `SetInstanceHealth` or `RemoveInstances` (desired capacity kept).",
      ),
    ),
  statuspage: statuspage
    .optional()
    .meta(
      doc(
        "Push the health check's figures to Statuspage: `{pageId, metricIds: {hostsTotal, running, unhealthy, remediating, remediations}, componentId?}`; with `componentId`, that component's status and incidents (storm guard open, fleet frozen) follow the fleet.",
      ),
    ),
});

const operatorAccess = z.strictObject({
  endpoint: flag()
    .optional()
    .meta(
      doc(
        "Operators reach the host-manager over HTTPS through an internet-facing ALB that admits only `network.adminCidrs`; needs a certificate.",
        "`true` when a certificate is set or `selfSigned` is true",
      ),
    ),
  certificateId: text(/^\d+$/, "a CAS certificate id such as 12345678")
    .optional()
    .meta(doc("An existing certificate in Certificate Management Service (CAS) for the endpoint.")),
  certificatePem: text(
    /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/,
    "a PEM certificate (chain)",
  )
    .optional()
    .meta(
      doc(
        "A PEM certificate (chain) to upload to CAS instead, with the secret `operatorAccessPrivateKey`.",
      ),
    ),
  selfSigned: flag()
    .optional()
    .meta(
      doc(
        "For labs and dev only: the stack makes a self-signed certificate (RSA 2048, one year, renewed by the first `pulumi up` in its last 30 days) and uploads it to CAS; browsers warn until operators trust or pin it. For production give `certificateId`.",
        "`false`",
      ),
    ),
  selfSignedDnsName: text(
    /^(?=.{1,64}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "a lower-case DNS name of at most 64 characters such as fleet.lab.example.com",
  )
    .optional()
    .meta(
      doc(
        "The self-signed certificate's name (subject and SAN), with `selfSigned`: a name you point at the load balancer. The ALB's own DNS name when unset.",
      ),
    ),
  sessionManager: flag()
    .default(true)
    .meta(
      doc(
        "Turn on Cloud Assistant Session Manager in the region (an account setting), the operators' way to the hosts' RDP and WinRM: `ali-instance-cli portforward`, no inbound rule.",
      ),
    ),
});

const maxUnhealthy = z.preprocess(
  (value) => (typeof value === "number" ? String(value) : value),
  text(/^(\d{1,4}|(100|[1-9]?\d)%)$/, 'a count such as 5 or a percentage such as "40%"'),
);

const healthCheck = z.strictObject({
  schedule: z
    .string({ error: "must be a cron expression" })
    .default("0 */5 * * * *")
    .meta(doc("When the health check runs: a 6-field cron expression, seconds first.")),
  startupTimeoutMinutes: wholeNumber(1, 240)
    .default(20)
    .meta(
      doc("A new host that has not reported by then is unhealthy; must exceed the check interval."),
    ),
  heartbeatTimeoutMinutes: wholeNumber(1, 240)
    .default(10)
    .meta(
      doc(
        "A running host silent this long is unhealthy; must exceed the check interval and two heartbeats.",
      ),
    ),
  rebootCooldownMinutes: wholeNumber(1, 240)
    .default(15)
    .meta(doc("Wait after a reboot before the next step.")),
  maxRemediationAttempts: wholeNumber(1, 10)
    .default(3)
    .meta(doc("Attempts before a host is marked failed and left alone.")),
  maxUnhealthy: maxUnhealthy
    .default("40%")
    .meta(
      doc(
        "Storm guard: above this many unhealthy hosts (a count, or a share such as `40%`), act on none.",
      ),
    ),
  freezeWindows: freezeWindowsSchema
    .default([])
    .meta(
      doc(
        'Planned freezes (benchmark runs): each `{start, durationMinutes, timeZone, reason}`, `start` a 6-field cron such as `"0 0 20 * * 1-5"`, `timeZone` IANA (default UTC), at most 7 days long. Inside one the health check judges hosts but starts no reboot, replace or rollout.',
      ),
    ),
});

// The operator's tags land on every resource; each keeps the strictest limit of the types
// tagged: keys of at most 64 characters (ESS scaling groups and ECI container groups:
// @pulumi/alicloud ess/scalingGroup.d.ts and eci/containerGroup.d.ts, `tags`), values of
// at most 128, neither starting with aliyun or acs: (the same docs) nor containing http://
// or https:// (ECS RunInstances Tag.N: @alicloud/ecs20140526 RunInstancesRequest.d.ts:1123,
// 1131); and no " or \, which the provider writes unescaped into the Tags JSON of
// ModifyScalingConfiguration (resource_alicloud_ess_scaling_configuration.go:1445-1450).
const TAG_KEY =
  'a tag key of at most 64 characters, without ", \\, http:// or https://, that does not start with aliyun, acs: or hpc-fleet:';
const tagKey = text(
  /^(?!aliyun|acs:|hpc-fleet:)(?!.*https?:\/\/)[^\s"\\][^"\\\r\n]{0,63}$/,
  TAG_KEY,
);
const tagValue = text(
  /^(?!aliyun|acs:)(?!.*https?:\/\/)[^"\\\r\n]{0,128}$/,
  'a tag value of at most 128 characters, without ", \\, http:// or https://, that does not start with aliyun or acs:',
);

/** Everything in the `hpc-fleet:` namespace, plus the region from `alicloud:region`. */
export const stackConfigSchema = z.strictObject({
  region: text(/^[a-z]{2}-[a-z]+(-[a-z]+)?(-\d+)?$/, "a region id such as cn-beijing").meta(
    doc("Region id, e.g. `cn-beijing`, `ap-southeast-1` (the key is `alicloud:region`)."),
  ),
  environment: oneOf(["dev", "test", "staging", "prod"]).meta(
    doc("The stack's environment; non-dev stacks get deletion protection."),
  ),
  network: network.meta(
    doc(
      "Where the fleet runs: zones, the VPC and vSwitches (new or existing), its outbound internet, and who may reach the operator endpoint.",
    ),
  ),
  image: image
    .prefault({})
    .meta(
      doc(
        "The Windows image: an existing image, or the Packer build and the operator's client files.",
      ),
    ),
  fleet: fleet.meta(
    doc("The hosts: their count and types, disk, spot mix, names, the client and its account."),
  ),
  hostManager: hostManager
    .prefault({})
    .meta(
      doc(
        "The host-manager container: image, size, port, private DNS name, storage and behaviour.",
      ),
    ),
  operatorAccess: operatorAccess
    .prefault({})
    .meta(
      doc(
        "The operators' ways in: HTTPS to the host-manager through a load balancer, and Session Manager to the hosts.",
      ),
    ),
  healthCheck: healthCheck
    .prefault({})
    .meta(
      doc("The health check: when it runs, its timeouts, its retry limit and its storm guard."),
    ),
  tags: z
    // zod says only "Invalid key in record" of a bad key: say what a key must be.
    .record(tagKey, tagValue, {
      error: (issue) => (issue.code === "invalid_key" ? `must be ${TAG_KEY}` : undefined),
    })
    .default({})
    .meta(
      doc(
        "Your own tags on every resource (not `Name`, `project`, `stack`, `environment`, `region`, `role`); at most 13, as each host also carries those six and its generation tag, and ECS takes 20.",
      ),
    ),
  statuspageApiKey: z
    .string()
    .min(1, "must not be empty")
    .optional()
    .meta(doc("Statuspage API key (a secret), with `hostManager.statuspage`.")),
  hostManagerRegistryPassword: z
    .string()
    .min(1, "must not be empty")
    .optional()
    .meta(doc("Private registry password (a secret), with `hostManager.registryUsername`.")),
  operatorAccessPrivateKey: z
    .string()
    .regex(
      /^\s*-----BEGIN ([A-Z]+ )?PRIVATE KEY-----[\s\S]+-----END ([A-Z]+ )?PRIVATE KEY-----\s*$/,
      "must be a PEM private key",
    )
    .optional()
    .meta(doc("The PEM private key (a secret) of `operatorAccess.certificatePem`.")),
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
export const SECRET_KEYS = [
  "statuspageApiKey",
  "hostManagerRegistryPassword",
  "operatorAccessPrivateKey",
] as const;
