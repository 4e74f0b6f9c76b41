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
  type ListOptions,
  type RemovalAccepted,
  type ReplaceMode,
} from "../../domain/cloud";
import { errorCode, ESS_BUSY_CODES, neverSent } from "./errors";
import { DEFAULT_RETRY, isRetryable, withRetry, type RetryOptions } from "./retry";

export const ESS_VERSION = "2014-08-28";
/** ESS returns at most 50 instances a page in this API version (PageSize, maximum 50). */
const ESS_PAGE_SIZE = 50;
/**
 * A scaling group holds at most 2,000 instances (MaxSize, 0-2000: Terraform's validator,
 * resource_alicloud_ess_scaling_group.go:28-37), 40 pages of 50: a listing past this
 * many pages is not ending, whatever its TotalCount says.
 */
const MAX_ESS_PAGES = 100;
/** DescribeInstances takes at most 100 ids and returns at most 100 a page. */
const ECS_BATCH = 100;

/**
 * A listing that does not add up: without a TotalCount, a TotalCount that changed while
 * paging, distinct instances that do not match it, or paging that does not end. The
 * inventory is refused as a whole rather than believed in part: a partial listing would
 * archive live hosts (and refuse their reports).
 */
export class ListingError extends Error {
  override readonly name = "ListingError";
}

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
  recycling: boolean;
  zone: string | null;
}

/**
 * DescribeInstances' OperationLocks.LockReason[].LockReason for a spot instance ECS has
 * interrupted: "recycling: The preemptible instance is locked and pending release"
 * (written Recycling in its example; https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstances,
 * and the spot guide: "If LockReason is Recycling, the spot instance is interrupted").
 */
const SPOT_RECYCLING_LOCK = "recycling";

/** Cloud times look like 2026-01-01T10:58Z; a missing or odd one counts as "now" so it gets a full grace. */
function parseCloudTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Whether a failed call was certainly not carried out, so that sending it again cannot
 * do it twice: flow control refuses before the API acts (Throttling*, the OpenAPI
 * gateway's common error codes), and a connection never made sends nothing.
 */
function notCarriedOut(error: unknown): boolean {
  return (errorCode(error) ?? "").startsWith("Throttling") || neverSent(error);
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

  async listInstances(options: ListOptions = {}): Promise<CloudInstance[]> {
    const { signal } = options;
    const members = new Map<string, { createdAt?: number; lifecycleState: string | null }>();
    let total: number | undefined;
    let maxPages = MAX_ESS_PAGES;
    for (let page = 1; ; page++) {
      signal?.throwIfAborted();
      if (page > maxPages) {
        throw new ListingError(
          `DescribeScalingInstances did not end: ${maxPages} pages for TotalCount ${total}`,
        );
      }
      const body = (await this.callEss("DescribeScalingInstances", {
        ScalingGroupId: this.options.scalingGroupId,
        PageNumber: page,
        PageSize: ESS_PAGE_SIZE,
      })) as ScalingInstancesPage;
      const count = body.TotalCount;
      if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
        throw new ListingError(`DescribeScalingInstances page ${page} has no TotalCount`);
      }
      if (total === undefined) {
        total = count;
        // Every page but the last is full: one page more than that is already too many.
        maxPages = Math.min(MAX_ESS_PAGES, Math.ceil(total / ESS_PAGE_SIZE) + 1);
      } else if (count !== total) {
        throw new ListingError(`TotalCount changed while paging: ${total}, then ${count}`);
      }
      const rows = body.ScalingInstances?.ScalingInstance ?? [];
      const before = members.size;
      for (const row of rows) {
        if (!row.InstanceId) continue;
        members.set(row.InstanceId, {
          createdAt: parseCloudTime(row.CreationTime),
          lifecycleState: row.LifecycleState ?? null,
        });
      }
      // Done when the count is reached; a page with nothing new (empty, or the same again)
      // will not reach it.
      if (members.size >= total || members.size === before) break;
    }
    if (members.size !== total) {
      throw new ListingError(
        `the listing does not add up: ${members.size} distinct instances, TotalCount ${total}`,
      );
    }
    const details = await this.describeInstances([...members.keys()], signal);
    const now = (this.options.clock ?? systemClock).now();
    return [...members.entries()].map(([instanceId, member]) => {
      const detail = details.get(instanceId);
      return {
        instanceId,
        privateIp: detail?.privateIp ?? null,
        createdAt: detail?.createdAt ?? member.createdAt ?? now,
        lifecycleState: member.lifecycleState,
        generation: detail?.generation ?? null,
        ...(detail?.recycling ? { recycling: true } : {}),
        ...(detail?.zone ? { zone: detail.zone } : {}),
      };
    });
  }

  /**
   * Creation time, private IP and generation tag of each instance, in batches of 100 ids,
   * following NextToken: a token that repeats ends the listing as an error, and so does
   * a batch taking more pages than it has ids (each page must bring one).
   */
  private async describeInstances(
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, InstanceDetail>> {
    const found = new Map<string, InstanceDetail>();
    for (let start = 0; start < ids.length; start += ECS_BATCH) {
      const batch = ids.slice(start, start + ECS_BATCH);
      const tokens = new Set<string>();
      let nextToken: string | undefined;
      for (let page = 1; ; page++) {
        signal?.throwIfAborted();
        if (page > batch.length + 1) {
          throw new ListingError(
            `DescribeInstances did not end: ${page - 1} pages for ${batch.length} ids`,
          );
        }
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
            recycling: (instance.operationLocks?.lockReason ?? []).some(
              (lock) => lock.lockReason?.toLowerCase() === SPOT_RECYCLING_LOCK,
            ),
            zone: instance.zoneId || null,
          });
        }
        nextToken = response.body?.nextToken || undefined;
        if (nextToken === undefined) break;
        if (tokens.has(nextToken)) {
          throw new ListingError(`DescribeInstances repeated its NextToken ${nextToken}`);
        }
        tokens.add(nextToken);
      }
    }
    return found;
  }

  /**
   * ECS RebootInstance, which has no idempotency token (its parameters are InstanceId,
   * ForceStop and DryRun: https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-rebootinstance,
   * @alicloud/ecs20140526 RebootInstanceRequest): it is sent again only when it was
   * certainly not carried out (throttled, or never sent), never after a timeout, a reset
   * connection or a 5xx, which may follow a reboot done. Refused with IncorrectInstanceStatus, the error is given the
   * instance's status (DescribeInstances), which tells a Stopped host (that will not
   * reboot) from one already starting or stopping (a reboot under way).
   */
  async rebootInstance(instanceId: string): Promise<void> {
    const request = new $Ecs.RebootInstanceRequest({ instanceId });
    try {
      await withRetry(() => this.ecs.rebootInstance(request), this.retry, notCarriedOut);
    } catch (error) {
      if (errorCode(error) === "IncorrectInstanceStatus" && typeof error === "object" && error) {
        const status = await this.instanceStatus(instanceId).catch(() => undefined);
        if (status !== undefined) Object.assign(error, { instanceStatus: status });
      }
      throw error;
    }
  }

  /** An instance's ECS status (Running, Starting, Stopping, Stopped, ...). */
  private async instanceStatus(instanceId: string): Promise<string | undefined> {
    const request = new $Ecs.DescribeInstancesRequest({
      regionId: this.options.region,
      instanceIds: JSON.stringify([instanceId]),
    });
    const response = await withRetry(() => this.ecs.describeInstances(request), this.retry);
    return response.body?.instances?.instance?.[0]?.status ?? undefined;
  }

  /**
   * In remove mode, RemoveInstances with a ClientToken (below). Otherwise ESS
   * SetInstanceHealth, which has no ClientToken but sets a state rather than starting an
   * action: sent again after a lost answer it asks for what is already so (ESS replaces
   * an Unhealthy instance once), or finds the instance gone (InvalidInstanceId.NotFound).
   */
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
