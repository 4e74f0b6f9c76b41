// The cloud calls of an image prune: list a stack's custom images (ECS DescribeImages),
// the images scaling configurations name (ESS DescribeScalingGroups and
// DescribeScalingConfigurations), count the instances running from an image (ECS
// DescribeInstances), and delete an image (DeleteImage) and its snapshots
// (DeleteSnapshot). ECS through its typed SDK, ESS through openapi-core's generic RPC call
// (it has no typed client on the registry), as the host-manager does
// (services/host-manager/src/adapters/cloud/alicloud.ts).
//
// A listing either completes or throws: every page is read to the API's TotalCount, and a
// short page, a changing count or a group whose active configuration the configuration
// listing lacks is an IncompleteListing, on which the caller deletes nothing.
import EcsClient, * as $Ecs from "@alicloud/ecs20140526";
import OpenApiClient, { $OpenApiUtil } from "@alicloud/openapi-core";
import { callRpc } from "../alicloud/rpc";
import type { ListedImage } from "./prune-decision";

export const ESS_VERSION = "2014-08-28";
/** DescribeImages: PageSize at most 100 (https://www.alibabacloud.com/help/doc-detail/25534.htm). */
const IMAGE_PAGE = 100;
/**
 * DescribeScalingGroups and DescribeScalingConfigurations: PageSize 1 to 50
 * (https://www.alibabacloud.com/help/en/auto-scaling/developer-reference/api-describescalinggroups,
 * .../api-describescalingconfigurations).
 */
const ESS_PAGE = 50;

export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** An STS token, with temporary keys. */
  readonly securityToken?: string;
}

export interface ImageCloudOptions {
  readonly region: string;
  readonly credentials: Credentials;
  /** Defaults to ecs.<region>.aliyuncs.com (a VPC endpoint, or a local fake in tests, may be given). */
  readonly ecsEndpoint?: string;
  /** Defaults to ess.<region>.aliyuncs.com. */
  readonly essEndpoint?: string;
  /** Defaults to HTTPS. */
  readonly protocol?: "HTTP" | "HTTPS";
  /** Tries per call for throttling, server errors and network faults. Defaults to 3. */
  readonly attempts?: number;
  /** Wait before the second try, doubled for each further one. Defaults to 1000 ms. */
  readonly retryDelayMs?: number;
}

/** A listing that did not certainly return everything: nothing may be deleted on it. */
export class IncompleteListing extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IncompleteListing";
  }
}

/** The API error's code (`Throttling.User`, `ImageUsingByInstance`), as the SDKs set it. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

function isTransient(error: unknown): boolean {
  const code = errorCode(error);
  const status = Number((error as { statusCode?: unknown } | null)?.statusCode ?? 0);
  const message = String((error as { message?: unknown } | null)?.message ?? "");
  return (
    code.startsWith("Throttling") ||
    code.startsWith("ServiceUnavailable") ||
    code === "InternalError" ||
    status >= 500 ||
    /ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|timeout/i.test(message)
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Page<T> {
  readonly rows: readonly T[];
  readonly total: unknown;
}

/** Every row of a paged listing, or an IncompleteListing. */
async function listAll<T>(
  what: string,
  pageSize: number,
  fetchPage: (page: number) => Promise<Page<T>>,
): Promise<T[]> {
  const rows: T[] = [];
  let total: number | undefined;
  for (let page = 1; ; page++) {
    const result = await fetchPage(page);
    if (typeof result.total !== "number" || !Number.isInteger(result.total) || result.total < 0) {
      throw new IncompleteListing(`${what}: page ${page} has no TotalCount`);
    }
    if (total !== undefined && result.total !== total) {
      throw new IncompleteListing(`${what}: TotalCount went from ${total} to ${result.total}`);
    }
    total = result.total;
    rows.push(...result.rows);
    if (rows.length >= total) break;
    if (result.rows.length < pageSize) {
      throw new IncompleteListing(`${what}: page ${page} ended at ${rows.length} of ${total}`);
    }
  }
  if (rows.length !== total) {
    throw new IncompleteListing(`${what}: ${rows.length} rows for a TotalCount of ${total}`);
  }
  return rows;
}

interface ScalingGroupRow {
  ScalingGroupId?: string;
  ActiveScalingConfigurationId?: string;
  LaunchTemplateId?: string;
  GroupType?: string;
}

interface ScalingConfigurationRow {
  ScalingConfigurationId?: string;
  ImageId?: string;
}

export class ImageCloud {
  private readonly ecs: EcsClient;
  private readonly ess: OpenApiClient;

  constructor(private readonly options: ImageCloudOptions) {
    const { region, credentials } = options;
    const common = {
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      securityToken: credentials.securityToken,
      regionId: region,
      protocol: options.protocol ?? "HTTPS",
      readTimeout: 20_000,
      connectTimeout: 5_000,
    };
    this.ecs = new EcsClient(
      new $OpenApiUtil.Config({
        ...common,
        endpoint: options.ecsEndpoint ?? `ecs.${region}.aliyuncs.com`,
      }),
    );
    this.ess = new OpenApiClient(
      new $OpenApiUtil.Config({
        ...common,
        endpoint: options.essEndpoint ?? `ess.${region}.aliyuncs.com`,
      }),
    );
  }

  /** Calls `fn`, again after a backoff while the failure is transient. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (attempt >= attempts || !isTransient(error)) throw error;
        await sleep((this.options.retryDelayMs ?? 1000) * 2 ** (attempt - 1));
      }
    }
  }

  private async callEss(action: string, query: Record<string, unknown>): Promise<unknown> {
    const protocol = this.options.protocol ?? "HTTPS";
    const params = { RegionId: this.options.region, ...query };
    return this.call(() => callRpc(this.ess, ESS_VERSION, protocol, action, params));
  }

  /**
   * The region's custom images (ImageOwnerAlias self) that are Available and carry every
   * tag in `tags` (DescribeImages' Tag.N filter, at most 20 tags).
   */
  async listImages(tags: Readonly<Record<string, string>>): Promise<ListedImage[]> {
    const tag = Object.entries(tags).map(
      ([key, value]) => new $Ecs.DescribeImagesRequestTag({ key, value }),
    );
    const images = await listAll("DescribeImages", IMAGE_PAGE, async (pageNumber) => {
      const request = new $Ecs.DescribeImagesRequest({
        regionId: this.options.region,
        imageOwnerAlias: "self",
        status: "Available",
        tag,
        pageNumber,
        pageSize: IMAGE_PAGE,
      });
      const body = (await this.call(() => this.ecs.describeImages(request))).body;
      return { rows: body?.images?.image ?? [], total: body?.totalCount };
    });
    return images.map((image) => ({
      id: image.imageId ?? "",
      name: image.imageName,
      creationTime: image.creationTime,
      tags: Object.fromEntries(
        (image.tags?.tag ?? []).map((pair) => [pair.tagKey ?? "", pair.tagValue ?? ""]),
      ),
      usage: image.usage,
      // A string in this API ("True"/"False"): anything but false counts as shared.
      shared: image.isSelfShared !== undefined && image.isSelfShared.toLowerCase() !== "false",
      snapshotIds: (image.diskDeviceMappings?.diskDeviceMapping ?? [])
        .map((mapping) => mapping.snapshotId ?? "")
        .filter((id) => id !== ""),
    }));
  }

  /**
   * Every image id a scaling configuration in the region names. Throws an
   * IncompleteListing where it cannot be sure: a group that launches from a launch
   * template (whose image this does not read), a configuration with no ImageId, or an
   * ECS group whose active configuration the configuration listing lacks.
   */
  async scalingConfigurationImageIds(): Promise<Set<string>> {
    const groups = await listAll<ScalingGroupRow>(
      "DescribeScalingGroups",
      ESS_PAGE,
      async (PageNumber) => {
        const body = (await this.callEss("DescribeScalingGroups", {
          PageNumber,
          PageSize: ESS_PAGE,
        })) as { TotalCount?: unknown; ScalingGroups?: { ScalingGroup?: ScalingGroupRow[] } };
        return { rows: body.ScalingGroups?.ScalingGroup ?? [], total: body.TotalCount };
      },
    );
    // ECI groups launch containers from ECI scaling configurations, never an ECS image.
    const ecsGroups = groups.filter((group) => group.GroupType !== "ECI");
    const templated = ecsGroups.find((group) => group.LaunchTemplateId);
    if (templated) {
      throw new IncompleteListing(
        `scaling group ${templated.ScalingGroupId} launches from launch template ` +
          `${templated.LaunchTemplateId}, whose image is not checked`,
      );
    }
    const configurations = await listAll<ScalingConfigurationRow>(
      "DescribeScalingConfigurations",
      ESS_PAGE,
      async (PageNumber) => {
        const body = (await this.callEss("DescribeScalingConfigurations", {
          PageNumber,
          PageSize: ESS_PAGE,
        })) as {
          TotalCount?: unknown;
          ScalingConfigurations?: { ScalingConfiguration?: ScalingConfigurationRow[] };
        };
        return {
          rows: body.ScalingConfigurations?.ScalingConfiguration ?? [],
          total: body.TotalCount,
        };
      },
    );
    const listed = new Set(configurations.map((row) => row.ScalingConfigurationId));
    const unlisted = ecsGroups.find(
      (group) =>
        group.ActiveScalingConfigurationId && !listed.has(group.ActiveScalingConfigurationId),
    );
    if (unlisted) {
      throw new IncompleteListing(
        `scaling group ${unlisted.ScalingGroupId}'s active configuration ` +
          `${unlisted.ActiveScalingConfigurationId} is not in DescribeScalingConfigurations`,
      );
    }
    const imageless = configurations.find((row) => !row.ImageId);
    if (imageless) {
      throw new IncompleteListing(
        `scaling configuration ${imageless.ScalingConfigurationId} names no ImageId`,
      );
    }
    return new Set(configurations.map((row) => row.ImageId as string));
  }

  /**
   * How many instances in the region run from `imageId` (DescribeInstances' ImageId
   * filter, https://www.alibabacloud.com/help/doc-detail/25506.htm): its TotalCount,
   * or an IncompleteListing when the answer has none.
   */
  async instanceCount(imageId: string): Promise<number> {
    const request = new $Ecs.DescribeInstancesRequest({
      regionId: this.options.region,
      imageId,
      pageSize: 1,
    });
    const total = (await this.call(() => this.ecs.describeInstances(request))).body?.totalCount;
    if (typeof total !== "number" || !Number.isInteger(total) || total < 0) {
      throw new IncompleteListing(`DescribeInstances for ${imageId}: no TotalCount`);
    }
    return total;
  }

  /**
   * Deletes a custom image. Force false: ECS then refuses an image instances were created
   * from (ImageUsingByInstance) instead of deleting it under them
   * (https://www.alibabacloud.com/help/doc-detail/25537.htm).
   */
  async deleteImage(imageId: string): Promise<void> {
    const request = new $Ecs.DeleteImageRequest({
      regionId: this.options.region,
      imageId,
      force: false,
    });
    await this.call(() => this.ecs.deleteImage(request));
  }

  /**
   * Deletes a snapshot. Force false: ECS refuses a snapshot disks were created from
   * (which could then never be re-initialised) and one an image still uses
   * (https://www.alibabacloud.com/help/doc-detail/25525.htm).
   */
  async deleteSnapshot(snapshotId: string): Promise<void> {
    const request = new $Ecs.DeleteSnapshotRequest({ snapshotId, force: false });
    await this.call(() => this.ecs.deleteSnapshot(request));
  }
}
