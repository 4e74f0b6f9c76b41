// ecs.getImages as the provider answers it, over a catalogue of public images like the ones
// Alibaba publishes: the Windows Server ones dated about monthly, older ones retired. Modelled
// on TF's data source (aliyun/terraform-provider-alicloud alicloud/data_source_alicloud_images.go):
// its argument checks, the filters DescribeImages applies, then name_regex and most_recent.
import { createHash } from "node:crypto";
import type { CallHandler } from "./recorder";

export const GET_IMAGES = "alicloud:ecs/getImages:getImages";

/** One public image, with what DescribeImages says of it that the filters read. */
export interface PublicImage {
  readonly name: string;
  readonly creationTime: string;
  readonly osType: "windows" | "linux";
  readonly architecture: "x86_64" | "arm64" | "i386";
  readonly status: "Available" | "Deprecated";
  readonly osNameEn: string;
  readonly platform: string;
}

function windowsServer(
  name: string,
  creationTime: string,
  status: PublicImage["status"] = "Available",
): PublicImage {
  const [, version] = /^win(\d{4})/.exec(name) ?? [];
  const edition = name.includes("_dtc_") ? "Datacenter" : "Standard";
  return {
    name,
    creationTime,
    osType: "windows",
    architecture: "x86_64",
    status,
    osNameEn: `Windows Server ${version} ${edition} 64-bit`,
    platform: `Windows Server ${version}`,
  };
}

const WIN2022_EN = "win2022_21H2_x64_dtc_en-us_40G_alibase";
const WIN2022_ZH = "win2022_21H2_x64_dtc_zh-cn_40G_alibase";

/**
 * Public images in every region the shipped stacks use (public image ids are the same in
 * each). The newest Windows Server 2022 images are dated 20251015; the 20250715 ones are
 * retired (Deprecated), which DescribeImages with Status=Available leaves out.
 */
export const PUBLIC_IMAGES: readonly PublicImage[] = [
  windowsServer(`${WIN2022_EN}_20250715.vhd`, "2025-07-16T02:41:07Z", "Deprecated"),
  windowsServer(`${WIN2022_EN}_20250815.vhd`, "2025-08-16T03:05:52Z"),
  windowsServer(`${WIN2022_EN}_20250916.vhd`, "2025-09-17T02:58:13Z"),
  windowsServer(`${WIN2022_EN}_20251015.vhd`, "2025-10-16T03:12:40Z"),
  windowsServer(`${WIN2022_ZH}_20250715.vhd`, "2025-07-16T02:44:31Z", "Deprecated"),
  windowsServer(`${WIN2022_ZH}_20250916.vhd`, "2025-09-17T03:01:26Z"),
  windowsServer(`${WIN2022_ZH}_20251015.vhd`, "2025-10-16T03:15:02Z"),
  windowsServer(
    "win2022_21H2_x64_dtc_en-us_40G_container_alibase_20251015.vhd",
    "2025-10-16T04:20:11Z",
  ),
  windowsServer("win2019_1809_x64_dtc_en-us_40G_alibase_20251015.vhd", "2025-10-16T02:50:44Z"),
  windowsServer("win2025_24H2_x64_dtc_en-us_40G_alibase_20251015.vhd", "2025-10-16T03:30:18Z"),
  {
    name: "aliyun_3_x64_20G_alibase_20250629.vhd",
    creationTime: "2025-06-30T01:10:00Z",
    osType: "linux",
    architecture: "x86_64",
    status: "Available",
    osNameEn: "Alibaba Cloud Linux  3.2104 LTS 64 bit",
    platform: "Aliyun",
  },
];

// The schema's allowed values (data_source_alicloud_images.go:40, :59, :105, :110).
const OWNERS = ["system", "self", "others", "marketplace", ""];
const STATUSES = ["Available", "Creating", "Waiting", "UnAvailable", "CreateFailed", "Deprecated"];
const OS_TYPES = ["windows", "linux"];
const ARCHITECTURES = ["i386", "x86_64", "arm64"];

function refuseUnlisted(argument: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(String(value))) {
    throw new Error(
      `expected ${argument} to be one of [${allowed.join(" ")}], got ${String(value)}`,
    );
  }
}

/** The image as the data source's `images` list shows it (imagesDescriptionAttributes, :406-439). */
function described(image: PublicImage) {
  return {
    id: image.name,
    imageId: image.name,
    name: image.name,
    architecture: image.architecture,
    creationTime: image.creationTime,
    description: "",
    imageOwnerAlias: "system",
    imageVersion: "",
    isCopied: false,
    isSelfShared: "",
    isSubscribed: false,
    isSupportIoOptimized: true,
    osName: image.osNameEn,
    osNameEn: image.osNameEn,
    osType: image.osType,
    platform: image.platform,
    productCode: "",
    progress: "100%",
    size: image.osType === "windows" ? 40 : 20,
    state: image.status,
    status: image.status,
    usage: "instance",
    diskDeviceMappings: [],
    tags: {},
  };
}

/** ecs.getImages over `catalogue`, all of it public (`system`) images. */
export function publicImagesCall(catalogue: readonly PublicImage[] = PUBLIC_IMAGES): CallHandler {
  return (inputs) => {
    const { nameRegex, owners, imageOwnerId, osType, architecture } = inputs;
    // AtLeastOneOf (:29); the provider refuses the call before asking the API.
    if (nameRegex === undefined && owners === undefined && imageOwnerId === undefined) {
      throw new Error('one of "image_owner_id,name_regex,owners" must be specified');
    }
    // Default "Available" (:58).
    const status = inputs.status ?? "Available";
    refuseUnlisted("owners", owners, OWNERS);
    refuseUnlisted("status", status, STATUSES);
    refuseUnlisted("os_type", osType, OS_TYPES);
    refuseUnlisted("architecture", architecture, ARCHITECTURES);
    // StringIsValidRegExp (:28) compiles with Go's regexp; a JavaScript RegExp stands in.
    const pattern = nameRegex === undefined ? undefined : new RegExp(String(nameRegex));

    // What DescribeImages filters by (ImageOwnerAlias, Status, OSType, Architecture: :255-297).
    const listed = catalogue.filter(
      (image) =>
        (owners === undefined || owners === "" || owners === "system") &&
        image.status === status &&
        (osType === undefined || image.osType === osType) &&
        (architecture === undefined || image.architecture === architecture),
    );
    // Then the name, unanchored as Go's MatchString (:370-388).
    const matched = pattern ? listed.filter((image) => pattern.test(image.name)) : listed;
    // most_recent keeps the latest creation_time of several (:395-397, mostRecentImage :472-476).
    const images =
      matched.length > 1 && inputs.mostRecent === true
        ? [
            [...matched].sort(
              (left, right) => Date.parse(left.creationTime) - Date.parse(right.creationTime),
            )[matched.length - 1],
          ]
        : matched;

    const ids = images.map((image) => image.name);
    return {
      ...inputs,
      status,
      id: createHash("sha256").update(ids.join(",")).digest("hex").slice(0, 10),
      ids,
      images: images.map(described),
    };
  };
}
