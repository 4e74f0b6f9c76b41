// A local fake of the ECS and ESS RPC APIs, speaking the wire format the SDKs use:
// it checks the ACS3-HMAC-SHA256 signature independently, pages results, refuses what
// the real APIs refuse (each refusal cites where the API says so), and can inject
// throttling, 500s and timeouts. The end-to-end test runs a fleet on it.
import { createHash, createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GENERATION_TAG } from "@hpc-fleet/fleet-contract";

export const FAKE_ACCESS_KEY_ID = "LTAI-test-key-id";
export const FAKE_ACCESS_KEY_SECRET = "test-secret-not-real";
export const FAKE_REGION = "cn-test-1";
export const FAKE_GROUP = "asg-fake0001";

export interface FakeInstance {
  instanceId: string;
  /**
   * ECS status (Running, Starting, Stopping, Stopped); a reboot makes it Starting for
   * `FakeAlicloud.rebootMs`, until `startingUntil`.
   */
  status: string;
  startingUntil?: number;
  privateIp: string;
  /** Null: the cloud answers without a creation time (both APIs leave it out). */
  createdAt: number | null;
  lifecycleState: string;
  /** ECS tags, as DescribeInstances returns them (`Tags.Tag[]` of `TagKey`/`TagValue`). */
  tags: Record<string, string>;
  /** DescribeInstances' ZoneId; absent, left out of the answer. */
  zone?: string;
  /**
   * DescribeInstances' OperationLocks.LockReason[].LockReason values, e.g. Recycling for a
   * spot instance ECS is reclaiming; none when absent (ECS then returns an empty list).
   */
  locks?: string[];
}

/** The tag the Pulumi program puts on every host, as the fake reports it. */
export const GENERATION_TAG_KEY = GENERATION_TAG;

/**
 * `timeout`: the request is held unanswered and not carried out; `lost-answer`: it is
 * carried out and its answer never arrives (a dropped connection); `gateway-html`: a
 * load balancer in between answers 503 with an HTML page instead of the API; `refuse`:
 * the API answers with the fault's `code` and `status`.
 */
export type FaultKind =
  | "throttle"
  | "server-error"
  | "timeout"
  | "unavailable"
  | "lost-answer"
  | "gateway-html"
  | "refuse";

export interface Fault {
  action?: string;
  kind: FaultKind;
  times: number;
  /** `refuse`: the API's error code and HTTP status to answer with. */
  code?: string;
  status?: number;
}

export interface CallRecord {
  action: string;
  version: string;
  /** The Host header's name, without the port: the endpoint the client called. */
  host: string;
  params: Record<string, string>;
  status: number;
}

/** The VPC endpoints of the fake's region, by API version (ECS 2014-05-26, ESS 2014-08-28). */
const VPC_HOSTS: Record<string, string> = {
  "2014-05-26": `ecs-vpc.${FAKE_REGION}.aliyuncs.com`,
  "2014-08-28": `ess-vpc.${FAKE_REGION}.aliyuncs.com`,
};

/** RFC 3986 encoding, as the ACS3 canonical query string wants it. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/** Times as ECS and ESS print them: 2026-01-01T10:58Z. */
const cloudTime = (ms: number | null) =>
  ms === null ? undefined : new Date(ms).toISOString().slice(0, 16) + "Z";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

export class FakeAlicloud {
  readonly calls: CallRecord[] = [];
  readonly faults: Fault[] = [];
  readonly instances = new Map<string, FakeInstance>();
  readonly reboots: string[] = [];
  readonly replaced: { instanceId: string; via: string; replacement: string }[] = [];
  /** Largest DescribeInstances page, smaller than the API's 100 so NextToken paging is exercised. */
  ecsPageSize = 7;
  timeoutMs = 3_000;
  /**
   * Answer only on the VPC endpoints of the fake's region, as a host in a VPC without
   * a public address or a NAT sees the APIs: ecs-vpc.<region>.aliyuncs.com for ECS and
   * ess-vpc.<region>.aliyuncs.com for ESS (the endpoint tables, research notes
   * issue11 §2); a request for any other host name gets no answer, its connection
   * dropped. Off by default (the other tests call 127.0.0.1).
   */
  vpcOnly = false;
  /** The group's MinSize: RemoveInstances refuses to take TotalCapacity below it. */
  minSize = 0;
  /** The group's lifecycle state; ESS acts on an Active group only. */
  groupState: "Active" | "Inactive" = "Active";
  /**
   * How long (in `now()` time) the scaling activity an accepted RemoveInstances starts
   * lasts; RemoveInstances is refused while one runs. Real activities take minutes.
   */
  activityMs = 60_000;
  /** How long (in `now()` time) a rebooted instance stays Starting. */
  rebootMs = 60_000;
  /** How the listings misbehave, to test the driver's bounds; all off by default. */
  readonly listing = {
    /** DescribeScalingInstances answers page 1 whatever PageNumber asks. */
    essRepeatFirstPage: false,
    /** DescribeScalingInstances reports this TotalCount instead of the truth. */
    essTotalCount: undefined as number | undefined,
    /** DescribeScalingInstances leaves TotalCount out. */
    essOmitTotalCount: false,
    /** DescribeScalingInstances's first page holds only this many of its rows. */
    essFirstPageRows: undefined as number | undefined,
    /** DescribeInstances answers the same NextToken forever. */
    ecsRepeatNextToken: false,
  };
  /** Real milliseconds each action's answer takes (a slow API, a drip-feeding proxy). */
  readonly delays: Record<string, number> = {};
  /** Calls a real second each action takes before it is throttled; unset: no limit. */
  readonly rateLimits: Record<string, number> = {};
  onReboot?: (instanceId: string) => void;
  onLaunch?: (instance: FakeInstance) => void;
  /**
   * The scaling configuration's generation: instances launched from now on are tagged
   * with it (ESS applies a changed configuration to new instances only). Null: untagged.
   */
  generation: string | null = null;
  now: () => number = Date.now;
  private server: Server | undefined;
  private counter = 0;
  private readonly pending = new Set<ServerResponse>();
  private activityUntil = -Infinity;
  /** ClientToken -> the request it came with and the answer given (ESS idempotence). */
  private readonly clientTokens = new Map<string, { request: string; answer: object }>();
  private readonly recentCalls = new Map<string, number[]>();

  launch(createdAt: number | null = this.now()): FakeInstance {
    this.counter++;
    const instance: FakeInstance = {
      instanceId: `i-fake${String(this.counter).padStart(5, "0")}`,
      privateIp: `10.${Math.floor(this.counter / 65536) % 256}.${Math.floor(this.counter / 256) % 256}.${this.counter % 256}`,
      createdAt,
      status: "Running",
      lifecycleState: "InService",
      tags: { "hpc-fleet-role": "benchmark-host" },
    };
    if (this.generation !== null) instance.tags[GENERATION_TAG_KEY] = this.generation;
    this.instances.set(instance.instanceId, instance);
    this.onLaunch?.(instance);
    return instance;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.pending) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  callsOf(action: string): CallRecord[] {
    return this.calls.filter((c) => c.action === action);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://fake");
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
      const action = String(req.headers["x-acs-action"] ?? "");
      const version = String(req.headers["x-acs-version"] ?? "");
      const host = String(req.headers.host ?? "").replace(/:\d+$/, "");
      if (this.vpcOnly && host !== VPC_HOSTS[version]) {
        this.calls.push({ action, version, host, params, status: 0 });
        res.destroy();
        return;
      }
      const send = (status: number, payload: object) => {
        this.calls.push({ action, version, host, params, status });
        res.writeHead(status, { "content-type": "application/json;charset=utf-8" });
        res.end(JSON.stringify({ RequestId: randomUUID(), ...payload }));
      };
      const delay = this.delays[action] ?? 0;
      const reply = (status: number, payload: object) => {
        if (delay <= 0) return send(status, payload);
        this.pending.add(res);
        setTimeout(() => {
          this.pending.delete(res);
          if (!res.destroyed) send(status, payload);
        }, delay).unref();
      };
      const authError = this.checkSignature(req, url, body);
      if (authError) return reply(400, { Code: "SignatureDoesNotMatch", Message: authError });
      const faultIndex = this.faults.findIndex(
        (f) => f.times > 0 && (!f.action || f.action === action),
      );
      if (faultIndex >= 0) {
        const fault = this.faults[faultIndex];
        fault.times--;
        if (fault.kind === "refuse") {
          return reply(fault.status ?? 400, {
            Code: fault.code ?? "InvalidParameter",
            Message: `refused by the test (${fault.code ?? "InvalidParameter"})`,
          });
        }
        return this.injectFault(fault.kind, { action, version, host, params }, res, reply);
      }
      if (this.overRateLimit(action)) {
        // Flow control, as the OpenAPI gateway answers it: Throttling.User with HTTP 400
        // (common client error codes, https://developer.aliyun.com/ask/278265).
        return reply(400, {
          Code: "Throttling.User",
          Message: "Request was denied due to user flow control.",
        });
      }
      try {
        reply(200, this.dispatch(action, version, params));
      } catch (error) {
        const e = error as { code?: string; status?: number; message: string };
        reply(e.status ?? 400, { Code: e.code ?? "InvalidParameter", Message: e.message });
      }
    });
  }

  private injectFault(
    kind: FaultKind,
    request: Omit<CallRecord, "status">,
    res: ServerResponse,
    reply: (status: number, payload: object) => void,
  ): void {
    if (kind === "throttle") {
      return reply(400, {
        Code: "Throttling.User",
        Message: "Request was denied due to user flow control.",
      });
    }
    if (kind === "unavailable") {
      return reply(503, {
        Code: "ServiceUnavailable",
        Message: "The request has failed due to a temporary failure of the server.",
      });
    }
    if (kind === "server-error") {
      return reply(500, {
        Code: "InternalError",
        Message: "The request processing has failed due to some unknown error.",
      });
    }
    if (kind === "gateway-html") {
      this.calls.push({ ...request, status: 503 });
      res.writeHead(503, { "content-type": "text/html" });
      res.end("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>");
      return;
    }
    if (kind === "lost-answer") {
      try {
        this.dispatch(request.action, request.version, request.params);
      } catch {
        // Refused or not, the answer is lost all the same.
      }
    }
    // No answer: hold the request well past the client's read timeout.
    this.calls.push({ ...request, status: 0 });
    this.pending.add(res);
    setTimeout(() => {
      this.pending.delete(res);
      res.destroy();
    }, this.timeoutMs).unref();
  }

  /** Whether `action` has had its share of calls in the last real second. */
  private overRateLimit(action: string): boolean {
    const limit = this.rateLimits[action];
    if (limit === undefined) return false;
    const now = Date.now();
    const recent = (this.recentCalls.get(action) ?? []).filter((t) => now - t < 1_000);
    const over = recent.length >= limit;
    if (!over) recent.push(now);
    this.recentCalls.set(action, recent);
    return over;
  }

  /** Recomputes the ACS3-HMAC-SHA256 signature from what arrived on the wire. */
  private checkSignature(req: IncomingMessage, url: URL, body: Buffer): string | undefined {
    const auth = String(req.headers.authorization ?? "");
    const match =
      /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(
        auth,
      );
    if (!match) return "missing or malformed Authorization";
    const [, keyId, signedHeaders, signature] = match;
    if (keyId !== FAKE_ACCESS_KEY_ID) return "unknown access key";
    const payloadHash = sha256(body);
    if (req.headers["x-acs-content-sha256"] !== payloadHash) return "payload hash mismatch";
    const names = signedHeaders.split(";");
    if (
      !names.includes("host") ||
      !names.includes("x-acs-action") ||
      !names.includes("x-acs-date")
    ) {
      return "required headers not signed";
    }
    const canonicalHeaders = names
      .map((n) => `${n}:${String(req.headers[n] ?? "").trim()}\n`)
      .join("");
    const query = [...url.searchParams.entries()]
      .map(([k, v]) => [rfc3986(k), rfc3986(v)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const canonical = [
      req.method,
      url.pathname,
      query,
      canonicalHeaders,
      signedHeaders,
      payloadHash,
    ].join("\n");
    const expected = createHmac("sha256", FAKE_ACCESS_KEY_SECRET)
      .update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`)
      .digest("hex");
    return expected === signature ? undefined : "signature does not match";
  }

  private dispatch(action: string, version: string, p: Record<string, string>): object {
    if (p.RegionId !== undefined && p.RegionId !== FAKE_REGION)
      throw { code: "InvalidRegionId.NotFound", message: p.RegionId };
    const key = `${version}/${action}`;
    switch (key) {
      case "2014-08-28/DescribeScalingInstances":
        return this.describeScalingInstances(p);
      case "2014-08-28/RemoveInstances":
        return this.removeInstances(p);
      case "2014-08-28/SetInstanceHealth":
        return this.setInstanceHealth(p);
      case "2014-05-26/DescribeInstances":
        return this.describeInstances(p);
      case "2014-05-26/RebootInstance":
        return this.rebootInstance(p);
      default:
        throw { status: 404, code: "InvalidAction.NotFound", message: `${key} is not supported` };
    }
  }

  private requireGroup(p: Record<string, string>): void {
    if (p.ScalingGroupId !== FAKE_GROUP)
      throw {
        status: 404,
        code: "InvalidScalingGroupId.NotFound",
        message: String(p.ScalingGroupId),
      };
  }

  private requireInstance(id: string | undefined): FakeInstance {
    const instance = id ? this.instances.get(id) : undefined;
    if (!instance) throw { status: 404, code: "InvalidInstanceId.NotFound", message: String(id) };
    return instance;
  }

  private describeScalingInstances(p: Record<string, string>): object {
    this.requireGroup(p);
    const { listing } = this;
    const size = Math.min(Number(p.PageSize ?? 10), 50);
    const page = listing.essRepeatFirstPage ? 1 : Number(p.PageNumber ?? 1);
    const all = [...this.instances.values()];
    let slice = all.slice((page - 1) * size, page * size);
    if (page === 1 && listing.essFirstPageRows !== undefined) {
      slice = slice.slice(0, listing.essFirstPageRows);
    }
    const rows = slice.map((i) => ({
      InstanceId: i.instanceId,
      CreationTime: cloudTime(i.createdAt),
      LifecycleState: i.lifecycleState,
      HealthStatus: "Healthy",
      ScalingGroupId: FAKE_GROUP,
    }));
    return {
      ...(listing.essOmitTotalCount ? {} : { TotalCount: listing.essTotalCount ?? all.length }),
      PageNumber: page,
      PageSize: size,
      ScalingInstances: { ScalingInstance: rows },
    };
  }

  private describeInstances(p: Record<string, string>): object {
    const ids = JSON.parse(p.InstanceIds ?? "[]") as string[];
    if (!Array.isArray(ids) || ids.length > 100)
      throw { code: "InvalidInstanceIds.ValueNotSupported", message: "at most 100 ids" };
    const max = Math.min(Number(p.MaxResults ?? 10), this.ecsPageSize);
    const start = p.NextToken ? Number(p.NextToken) : 0;
    const matches = ids
      .map((id) => this.instances.get(id))
      .filter((i): i is FakeInstance => i !== undefined);
    const rows = matches.slice(start, start + max).map((i) => ({
      InstanceId: i.instanceId,
      Status: this.statusOf(i),
      CreationTime: cloudTime(i.createdAt),
      VpcAttributes: { PrivateIpAddress: { IpAddress: [i.privateIp] } },
      ...(i.zone ? { ZoneId: i.zone } : {}),
      Tags: {
        Tag: Object.entries(i.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      },
      OperationLocks: { LockReason: (i.locks ?? []).map((LockReason) => ({ LockReason })) },
    }));
    const next = this.listing.ecsRepeatNextToken
      ? "7"
      : start + max < matches.length
        ? String(start + max)
        : "";
    return { TotalCount: matches.length, NextToken: next, Instances: { Instance: rows } };
  }

  /** An instance's ECS status now: Starting after a reboot, for `rebootMs`. */
  statusOf(instance: FakeInstance): string {
    if (instance.startingUntil !== undefined && this.now() < instance.startingUntil) {
      return "Starting";
    }
    return instance.status;
  }

  /**
   * ECS RebootInstance: "Only instances that are in the Running state can be restarted",
   * and the instance is Starting afterwards; otherwise 403 IncorrectInstanceStatus
   * (https://www.alibabacloud.com/help/en/ecs/developer-reference/api-rebootinstance, its
   * error table also in the AlibabaCloudDocs/ecs repository, RebootInstance.md).
   */
  private rebootInstance(p: Record<string, string>): object {
    const instance = this.requireInstance(p.InstanceId);
    if (this.statusOf(instance) !== "Running") {
      throw {
        status: 403,
        code: "IncorrectInstanceStatus",
        message: "The current status of the resource does not support this operation.",
      };
    }
    instance.startingUntil = this.now() + this.rebootMs;
    this.reboots.push(instance.instanceId);
    this.onReboot?.(instance.instanceId);
    return {};
  }

  private replace(instanceId: string, via: string): void {
    this.instances.delete(instanceId);
    const replacement = this.launch();
    this.replaced.push({ instanceId, via, replacement: replacement.instanceId });
  }

  /** Whether a scaling activity (an accepted RemoveInstances, or startActivity) still runs. */
  activityInProgress(): boolean {
    return this.now() < this.activityUntil;
  }

  /** A scaling activity of ESS's own (a scale-out, a health replacement) for `ms`. */
  startActivity(ms: number): void {
    this.activityUntil = this.now() + ms;
  }

  /**
   * ESS RemoveInstances (2014-08-28), refusing what ESS refuses. Sources: the API doc
   * (https://www.alibabacloud.com/help/en/auto-scaling/developer-reference/api-ess-2014-08-28-removeinstances;
   * its parameter and error tables also in the AlibabaCloudDocs/ess repository, RemoveInstances.md)
   * and the codes Terraform handles (alicloud/service_alicloud_ess.go:791-822).
   */
  private removeInstances(p: Record<string, string>): object {
    this.requireGroup(p);
    const ids = Object.keys(p)
      .filter((k) => /^InstanceId\.\d+$/.test(k))
      .sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]))
      .map((k) => p[k]);
    // The same ClientToken with the same request is answered as before and not acted on
    // again; with other parameters it is refused (ESS, "How to ensure idempotence",
    // https://alibabacloud.com/help/en/auto-scaling/developer-reference/how-to-ensure-idempotence).
    const request = JSON.stringify([p.ScalingGroupId, p.DecreaseDesiredCapacity, ids]);
    const token = p.ClientToken;
    const earlier = token === undefined ? undefined : this.clientTokens.get(token);
    if (earlier) {
      if (earlier.request === request) return earlier.answer;
      throw {
        code: "IdempotentParameterMismatch",
        message: "ClientToken reused with other parameters",
      };
    }
    // "The scaling group is in the Active state" (usage notes); error table: 400.
    if (this.groupState !== "Active") {
      throw {
        code: "IncorrectScalingGroupStatus",
        message: "The current status of the specified scaling group does not support this action.",
      };
    }
    // "No scaling activity is in progress" (usage notes); error table: 400.
    if (this.activityInProgress()) {
      throw {
        code: "ScalingActivityInProgress",
        message:
          "You cannot delete a scaling group or launch a new scaling activity while there is a scaling activity in progress for the specified scaling group.",
      };
    }
    // InstanceId.N: "at most 20" (request parameters; TF caps instance_ids at MaxItems 20,
    // resource_alicloud_ess_attachment.go:50-56). The exact code ESS answers is not documented.
    if (ids.length === 0 || ids.length > 20) {
      throw { code: "InvalidParameter", message: "InstanceId.N takes 1 to 20 instance ids" };
    }
    if (p.DecreaseDesiredCapacity !== "false")
      throw { code: "Test.WouldShrinkGroup", message: "DecreaseDesiredCapacity must be false" };
    ids.forEach((id) => this.requireInstance(id));
    // "If TotalCapacity minus the number of instances to remove is less than MinSize, the
    // call fails" (usage notes); error table: IncorrectCapacity.MinSize, 400.
    if (this.instances.size - ids.length < this.minSize) {
      throw {
        code: "IncorrectCapacity.MinSize",
        message: "To remove the instances, the total capacity will be lesser than the MinSize.",
      };
    }
    ids.forEach((id) => this.replace(id, "RemoveInstances"));
    this.activityUntil = this.now() + this.activityMs;
    const answer = { ScalingActivityId: `asa-${randomUUID().slice(0, 8)}` };
    if (token !== undefined) this.clientTokens.set(token, { request, answer });
    return answer;
  }

  private setInstanceHealth(p: Record<string, string>): object {
    const instance = this.requireInstance(p.InstanceId);
    if (p.HealthStatus !== "Unhealthy" && p.HealthStatus !== "Healthy")
      throw { code: "InvalidParameter", message: "HealthStatus" };
    if (p.HealthStatus === "Unhealthy") this.replace(instance.instanceId, "SetInstanceHealth");
    return {};
  }
}
