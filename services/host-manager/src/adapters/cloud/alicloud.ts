// The real cloud: ESS for the scaling group's membership and replacement, ECS for
// creation times, private IPs and reboots. Credentials come only from the
// @alicloud/credentials default chain (env keys, or the ECS/ECI RAM role).
import Credential from "@alicloud/credentials";
import { randomUUID } from "node:crypto";
import EcsClient, * as $Ecs from "@alicloud/ecs20140526";
import OpenApiClient, { $OpenApiUtil, OpenApiUtil } from "@alicloud/openapi-core";
import { systemClock, type Clock } from "../../clock";
import {
  GENERATION_TAG,
  REMOVE_BATCH,
  type CloudDriver,
  type CloudInstance,
  type RemovalAccepted,
  type ReplaceMode,
} from "../../domain/cloud";
import { errorCode, ESS_BUSY_CODES } from "./errors";
import { DEFAULT_RETRY, isRetryable, withRetry, type RetryOptions } from "./retry";

export const ESS_VERSION = "2014-08-28";
/** ESS returns at most 50 instances a page in this API version. */
const ESS_PAGE_SIZE = 50;
/** DescribeInstances takes at most 100 ids and returns at most 100 a page. */
const ECS_BATCH = 100;

/**
 * The VPC endpoints of ECS and ESS in `region`, as explicit strings: the manager runs in
 * the VPC without a public IP (research notes issue11 §2, from the endpoint tables at
 * https://alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-endpoint and
 * https://alibabacloud.com/help/en/auto-scaling/developer-reference/api-ess-2022-02-22-endpoint).
 * Not `network: "vpc"`: the typed ECS client looks its region up in its endpoint map
 * before applying the rule, and the map sends cn-hangzhou to the public
 * ecs-cn-hangzhou.aliyuncs.com (@alicloud/ecs20140526 dist/client.js:53, :92-99). Nor
 * `ess.<region>.aliyuncs.com`: ESS's public endpoint is ess.aliyuncs.com in every
 * region, so that name is not a documented host. ap-southeast-1's ECS VPC host follows
 * the documented rule `<product>-vpc.<region>.aliyuncs.com` (the table excerpt had no row).
 */
export function vpcEndpoints(region: string): { ecs: string; ess: string } {
  return { ecs: `ecs-vpc.${region}.aliyuncs.com`, ess: `ess-vpc.${region}.aliyuncs.com` };
}

export interface AlicloudOptions {
  readonly region: string;
  readonly scalingGroupId: string;
  /** Defaults to the default credential chain. */
  readonly credential?: Credential;
  /**
   * Default to the region's VPC endpoints (vpcEndpoints); HOST_MANAGER_ECS_ENDPOINT and
   * HOST_MANAGER_ESS_ENDPOINT override them, and tests point both at 127.0.0.1.
   */
  readonly ecsEndpoint?: string;
  readonly essEndpoint?: string;
  /** Defaults to HTTPS. */
  readonly protocol?: "HTTP" | "HTTPS";
  /** Defaults to 10000. */
  readonly readTimeoutMs?: number;
  /** Defaults to 5000. */
  readonly connectTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** What "now" is for an instance the cloud gives no creation time. Defaults to the system clock. */
  readonly clock?: Clock;
}

type Runtime = Parameters<OpenApiClient["callApi"]>[2];

interface ScalingInstancesPage {
  TotalCount?: number;
  ScalingInstances?: {
    ScalingInstance?: { InstanceId?: string; CreationTime?: string; LifecycleState?: string }[];
  };
}

interface InstanceDetail {
  createdAt?: number;
  privateIp: string | null;
  generation: string | null;
}

/** Cloud times look like 2026-01-01T10:58Z; a missing or odd one counts as "now" so it gets a full grace. */
function parseCloudTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export class AlicloudDriver implements CloudDriver {
  readonly name = "alicloud";
  /** The hosts the SDK clients send to, read back from them (the start-up log says them). */
  readonly endpoints: { readonly ecs: string; readonly ess: string };
  private readonly ecs: EcsClient;
  private readonly ess: OpenApiClient;
  private readonly retry: RetryOptions;

  constructor(private readonly options: AlicloudOptions) {
    const credential = options.credential ?? new Credential();
    const common = {
      credential,
      regionId: options.region,
      protocol: options.protocol ?? "HTTPS",
      readTimeout: options.readTimeoutMs ?? 10_000,
      connectTimeout: options.connectTimeoutMs ?? 5_000,
    };
    const defaults = vpcEndpoints(options.region);
    this.ecs = new EcsClient(
      new $OpenApiUtil.Config({ ...common, endpoint: options.ecsEndpoint ?? defaults.ecs }),
    );
    this.ess = new OpenApiClient(
      new $OpenApiUtil.Config({ ...common, endpoint: options.essEndpoint ?? defaults.ess }),
    );
    // What the SDK resolved (an explicit endpoint wins over its map and rule) is what it
    // puts in the URL and the Host header (openapi-core dist/client.js:916,
    // @darabonba/typescript dist/core.js:147).
    this.endpoints = { ecs: this.ecs._endpoint, ess: this.ess._endpoint };
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  /** A generic RPC call to ESS, which has no typed client on the registry. */
  private async callEss(
    action: string,
    query: Record<string, unknown>,
    retryable: (error: unknown) => boolean = isRetryable,
  ): Promise<unknown> {
    const params = new $OpenApiUtil.Params({
      action,
      version: ESS_VERSION,
      protocol: this.options.protocol ?? "HTTPS",
      pathname: "/",
      method: "POST",
      authType: "AK",
      style: "RPC",
      reqBodyType: "formData",
      bodyType: "json",
    });
    const request = new $OpenApiUtil.OpenApiRequest({
      query: OpenApiUtil.query({ RegionId: this.options.region, ...query }),
    });
    const response = await withRetry(
      () => this.ess.callApi(params, request, {} as Runtime),
      this.retry,
      retryable,
    );
    return response.body;
  }

  async listInstances(): Promise<CloudInstance[]> {
    const members = new Map<string, { createdAt?: number; lifecycleState: string | null }>();
    for (let page = 1; ; page++) {
      const body = (await this.callEss("DescribeScalingInstances", {
        ScalingGroupId: this.options.scalingGroupId,
        PageNumber: page,
        PageSize: ESS_PAGE_SIZE,
      })) as ScalingInstancesPage;
      const rows = body.ScalingInstances?.ScalingInstance ?? [];
      for (const row of rows) {
        if (!row.InstanceId) continue;
        members.set(row.InstanceId, {
          createdAt: parseCloudTime(row.CreationTime),
          lifecycleState: row.LifecycleState ?? null,
        });
      }
      const total = body.TotalCount ?? 0;
      if (rows.length < ESS_PAGE_SIZE || page * ESS_PAGE_SIZE >= total) break;
    }
    const details = await this.describeInstances([...members.keys()]);
    const now = (this.options.clock ?? systemClock).now();
    return [...members.entries()].map(([instanceId, member]) => {
      const detail = details.get(instanceId);
      return {
        instanceId,
        privateIp: detail?.privateIp ?? null,
        createdAt: detail?.createdAt ?? member.createdAt ?? now,
        lifecycleState: member.lifecycleState,
        generation: detail?.generation ?? null,
      };
    });
  }

  /** Creation time, private IP and generation tag of each instance, in batches of 100 ids, following NextToken. */
  private async describeInstances(ids: readonly string[]): Promise<Map<string, InstanceDetail>> {
    const found = new Map<string, InstanceDetail>();
    for (let start = 0; start < ids.length; start += ECS_BATCH) {
      const batch = ids.slice(start, start + ECS_BATCH);
      let nextToken: string | undefined;
      do {
        const request = new $Ecs.DescribeInstancesRequest({
          regionId: this.options.region,
          instanceIds: JSON.stringify(batch),
          maxResults: ECS_BATCH,
          nextToken,
        });
        const response = await withRetry(() => this.ecs.describeInstances(request), this.retry);
        for (const instance of response.body?.instances?.instance ?? []) {
          if (!instance.instanceId) continue;
          found.set(instance.instanceId, {
            createdAt: parseCloudTime(instance.creationTime),
            privateIp: instance.vpcAttributes?.privateIpAddress?.ipAddress?.[0] ?? null,
            generation:
              instance.tags?.tag?.find((tag) => tag.tagKey === GENERATION_TAG)?.tagValue || null,
          });
        }
        nextToken = response.body?.nextToken || undefined;
      } while (nextToken);
    }
    return found;
  }

  async rebootInstance(instanceId: string): Promise<void> {
    const request = new $Ecs.RebootInstanceRequest({ instanceId });
    await withRetry(() => this.ecs.rebootInstance(request), this.retry);
  }

  async replaceInstance(instanceId: string, mode: ReplaceMode): Promise<void> {
    if (mode === "remove") {
      await this.removeInstances([instanceId], randomUUID());
    } else {
      await this.callEss("SetInstanceHealth", {
        InstanceId: instanceId,
        HealthStatus: "Unhealthy",
      });
    }
  }

  /**
   * ESS RemoveInstances for up to 20 instances, keeping the desired capacity so that ESS
   * launches a fresh instance for each. With its ClientToken the call is idempotent
   * (ESS, "How to ensure idempotence":
   * https://alibabacloud.com/help/en/auto-scaling/developer-reference/how-to-ensure-idempotence),
   * so a timeout is retried like a throttle; and the group being busy (an activity in
   * progress, not Active, at MinSize) is retried with backoff, as Terraform does
   * (alicloud/service_alicloud_ess.go:791-822).
   */
  async removeInstances(
    instanceIds: readonly string[],
    clientToken: string,
  ): Promise<RemovalAccepted> {
    if (instanceIds.length === 0 || instanceIds.length > REMOVE_BATCH) {
      throw new RangeError(`RemoveInstances takes 1 to ${REMOVE_BATCH} instance ids`);
    }
    const ids = Object.fromEntries(instanceIds.map((id, i) => [`InstanceId.${i + 1}`, id]));
    const body = (await this.callEss(
      "RemoveInstances",
      {
        ScalingGroupId: this.options.scalingGroupId,
        ...ids,
        // Keeping the desired capacity makes ESS launch a fresh instance in each one's place.
        DecreaseDesiredCapacity: false,
        ClientToken: clientToken,
      },
      (error) => isRetryable(error) || ESS_BUSY_CODES.has(errorCode(error) ?? ""),
    )) as { ScalingActivityId?: string };
    return { activityId: body.ScalingActivityId ?? null };
  }
}
