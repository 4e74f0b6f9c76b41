// A local fake of the ECS and ESS RPC calls an image prune makes, on the wire the SDKs
// speak (the approach of services/host-manager/test/support/fake-alicloud.ts, with the
// calls this tool needs). It checks each request's ACS3-HMAC-SHA256 signature, and the STS
// token when one is expected, and refuses what the real API documents refusing:
//
// - DescribeImages (https://www.alibabacloud.com/help/doc-detail/25534.htm): RegionId
//   required; PageSize at most 100, default 10; Tag.N with N from 1 to 20; Status
//   defaults to Available.
// - DeleteImage (https://www.alibabacloud.com/help/doc-detail/25537.htm): an unknown id
//   is ignored; without Force, an image instances were created from is refused
//   (ImageUsingByInstance), as is a shared one (ImageUseShared).
// - DescribeInstances (https://www.alibabacloud.com/help/doc-detail/25506.htm): RegionId
//   required; PageSize at most 100, default 10; ImageId filters; TotalCount counts all.
// - DeleteSnapshot (https://www.alibabacloud.com/help/doc-detail/25525.htm): an unknown
//   id is ignored; a snapshot an image uses is refused until the image is deleted; one
//   disks were created from is refused without Force.
// - DescribeScalingGroups and DescribeScalingConfigurations (ESS 2014-08-28): RegionId
//   required; PageSize from 1 to 50, default 10.
import { createHash, createHmac, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_KEY_ID = "LTAI-prune-test";
export const FAKE_KEY_SECRET = "prune-test-secret-not-real";
/** The dev stack's region (Pulumi.dev.yaml), which the prune reads from the stack file. */
export const FAKE_REGION = "cn-beijing";

export interface FakeImage {
  id: string;
  name: string;
  /** Milliseconds; printed as ECS does (2026-01-01T10:58:00Z). */
  createdAt: number;
  tags: Record<string, string>;
  status: "Available" | "Creating" | "CreateFailed";
  /** Instances created from it: DeleteImage without Force refuses it, and Usage says so. */
  instances: number;
  /** Whether Usage reports those instances (false: a listing that lags behind). */
  reportsUsage: boolean;
  shared: boolean;
  snapshotIds: string[];
}

export interface FakeSnapshot {
  id: string;
  /** Disks created from it: DeleteSnapshot without Force refuses it. */
  disks: number;
}

export interface FakeScalingGroup {
  ScalingGroupId: string;
  ActiveScalingConfigurationId?: string;
  LaunchTemplateId?: string;
  GroupType?: "ECS" | "ECI";
}

export interface FakeScalingConfiguration {
  ScalingConfigurationId: string;
  ScalingGroupId: string;
  ImageId?: string;
}

/**
 * throttle / server-error: the call fails as the API does under load. short-page: a
 * page returns one row fewer than it should. drop-configuration: the region-wide
 * configuration listing misses one (as an eventually consistent read might).
 * ignore-tags: DescribeImages lists every custom image, whatever its tags.
 */
export type FaultKind =
  "throttle" | "server-error" | "short-page" | "drop-configuration" | "ignore-tags";

export interface Fault {
  action?: string;
  kind: FaultKind;
  times: number;
}

export interface CallRecord {
  action: string;
  params: Record<string, string>;
  status: number;
  code?: string;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
/** RFC 3986, as the ACS3 canonical query string encodes. */
const encode = (text: string) =>
  encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
const cloudTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The pages of `rows`, as the APIs number them from 1. */
function paged<T>(rows: readonly T[], p: Record<string, string>, max: number): T[] {
  const size = Number(p.PageSize ?? 10);
  const page = Number(p.PageNumber ?? 1);
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw new ApiError(400, "InvalidParameter", `PageSize must be 1 to ${max} (got ${p.PageSize})`);
  }
  if (!Number.isInteger(page) || page < 1) {
    throw new ApiError(400, "InvalidParameter", `PageNumber must be at least 1`);
  }
  return rows.slice((page - 1) * size, page * size);
}

export class FakeImageCloud {
  readonly images = new Map<string, FakeImage>();
  readonly snapshots = new Map<string, FakeSnapshot>();
  readonly scalingGroups: FakeScalingGroup[] = [];
  readonly scalingConfigurations: FakeScalingConfiguration[] = [];
  readonly calls: CallRecord[] = [];
  readonly faults: Fault[] = [];
  /** The STS token requests must carry (x-acs-security-token), when set. */
  securityToken: string | undefined;
  /** DeleteSnapshot calls that still find a just-deleted image holding its snapshot. */
  snapshotReleaseLag = 0;
  private readonly lagging = new Set<string>();
  private lagLeft = 0;
  private server: Server | undefined;

  addImage(image: Partial<FakeImage> & Pick<FakeImage, "id" | "createdAt" | "tags">): FakeImage {
    const full: FakeImage = {
      name: `hpc-fleet-win-${image.id}`,
      status: "Available",
      instances: 0,
      reportsUsage: true,
      shared: false,
      snapshotIds: [`s-${image.id.slice(2)}`],
      ...image,
    };
    this.images.set(full.id, full);
    for (const id of full.snapshotIds) {
      if (!this.snapshots.has(id)) this.snapshots.set(id, { id, disks: 0 });
    }
    return full;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  callsOf(action: string): CallRecord[] {
    return this.calls.filter((call) => call.action === action);
  }

  private takeFault(action: string, kinds: readonly FaultKind[]): FaultKind | undefined {
    const fault = this.faults.find(
      (f) => f.times > 0 && kinds.includes(f.kind) && (!f.action || f.action === action),
    );
    if (!fault) return undefined;
    fault.times--;
    return fault.kind;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://fake");
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      for (const [key, value] of new URLSearchParams(body.toString("utf8"))) params[key] = value;
      const action = String(req.headers["x-acs-action"] ?? "");
      const send = (status: number, payload: object, code?: string) => {
        this.calls.push({ action, params, status, code });
        res.writeHead(status, { "content-type": "application/json;charset=utf-8" });
        res.end(JSON.stringify({ RequestId: randomUUID(), ...payload }));
      };
      try {
        this.authenticate(req, url, body);
        const fault = this.takeFault(action, ["throttle", "server-error"]);
        if (fault === "throttle") {
          throw new ApiError(
            400,
            "Throttling.User",
            "Request was denied due to user flow control.",
          );
        }
        if (fault === "server-error") {
          throw new ApiError(500, "InternalError", "The request processing has failed.");
        }
        send(200, this.dispatch(action, String(req.headers["x-acs-version"] ?? ""), params));
      } catch (error) {
        const e =
          error instanceof ApiError ? error : new ApiError(500, "InternalError", String(error));
        send(e.status, { Code: e.code, Message: e.message }, e.code);
      }
    });
  }

  /** Recomputes the ACS3-HMAC-SHA256 signature from the request as it arrived. */
  private authenticate(req: IncomingMessage, url: URL, body: Buffer): void {
    const refuse = (message: string) => {
      throw new ApiError(400, "SignatureDoesNotMatch", message);
    };
    const match =
      /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(
        String(req.headers.authorization ?? ""),
      );
    if (!match) return refuse("no ACS3-HMAC-SHA256 Authorization");
    const [, keyId, signedHeaders, signature] = match;
    if (keyId !== FAKE_KEY_ID) throw new ApiError(404, "InvalidAccessKeyId.NotFound", keyId);
    const signed = signedHeaders.split(";");
    if (this.securityToken !== undefined) {
      const token = req.headers["x-acs-security-token"];
      if (token !== this.securityToken || !signed.includes("x-acs-security-token")) {
        throw new ApiError(
          400,
          "InvalidSecurityToken.Mismatch",
          "the STS token is missing or wrong",
        );
      }
    }
    if (req.headers["x-acs-content-sha256"] !== sha256(body))
      return refuse("payload hash mismatch");
    const headers = signed.map((name) => `${name}:${String(req.headers[name] ?? "").trim()}\n`);
    const query = [...url.searchParams.entries()]
      .map(([key, value]) => [encode(key), encode(value)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => `${key}=${value}`)
      .join("&");
    const canonical = [
      req.method,
      url.pathname,
      query,
      headers.join(""),
      signedHeaders,
      sha256(body),
    ];
    const expected = createHmac("sha256", FAKE_KEY_SECRET)
      .update(`ACS3-HMAC-SHA256\n${sha256(canonical.join("\n"))}`)
      .digest("hex");
    if (expected !== signature) refuse("signature does not match");
  }

  private dispatch(action: string, version: string, p: Record<string, string>): object {
    if (!p.RegionId && action !== "DeleteSnapshot") {
      throw new ApiError(
        400,
        "MissingParameter",
        'The input parameter "RegionId" is not supplied.',
      );
    }
    if (p.RegionId && p.RegionId !== FAKE_REGION) {
      throw new ApiError(404, "InvalidRegionId.NotFound", p.RegionId);
    }
    switch (`${version}/${action}`) {
      case "2014-05-26/DescribeImages":
        return this.describeImages(p);
      case "2014-05-26/DescribeInstances":
        return this.describeInstances(p);
      case "2014-05-26/DeleteImage":
        return this.deleteImage(p);
      case "2014-05-26/DeleteSnapshot":
        return this.deleteSnapshot(p);
      case "2014-08-28/DescribeScalingGroups":
        return this.describeScalingGroups(p);
      case "2014-08-28/DescribeScalingConfigurations":
        return this.describeScalingConfigurations(p);
      default:
        throw new ApiError(404, "InvalidAction.NotFound", `${version}/${action}`);
    }
  }

  /** Tag.N.Key/Value pairs; N from 1 to 20. */
  private tagFilter(p: Record<string, string>): [string, string][] {
    const pairs: [string, string][] = [];
    for (const key of Object.keys(p)) {
      const match = /^Tag\.(\d+)\.Key$/.exec(key);
      if (!match) continue;
      const n = Number(match[1]);
      if (n < 1 || n > 20) throw new ApiError(400, "InvalidParameter", `${key}: N is 1 to 20`);
      if (!p[key]) throw new ApiError(400, "InvalidTagKey.Malformed", `${key} is empty`);
      pairs.push([p[key], p[`Tag.${n}.Value`] ?? ""]);
    }
    return pairs;
  }

  private describeImages(p: Record<string, string>): object {
    const statuses = (p.Status ?? "Available").split(",");
    const tags = this.tagFilter(p);
    const ignoreTags = this.takeFault("DescribeImages", ["ignore-tags"]) !== undefined;
    // Newest first, as the console lists them; the prune must not rely on any order.
    const all = [...this.images.values()]
      .filter((image) => statuses.includes(image.status))
      .filter(() => p.ImageOwnerAlias === undefined || p.ImageOwnerAlias === "self")
      .filter((image) => ignoreTags || tags.every(([key, value]) => image.tags[key] === value))
      .sort((a, b) => b.createdAt - a.createdAt);
    let rows = paged(all, p, 100);
    if (this.takeFault("DescribeImages", ["short-page"]) && rows.length > 0) rows = rows.slice(1);
    return {
      RegionId: FAKE_REGION,
      TotalCount: all.length,
      PageNumber: Number(p.PageNumber ?? 1),
      PageSize: Number(p.PageSize ?? 10),
      Images: {
        Image: rows.map((image) => ({
          ImageId: image.id,
          ImageName: image.name,
          CreationTime: cloudTime(image.createdAt),
          Status: image.status,
          ImageOwnerAlias: "self",
          Usage: image.instances > 0 && image.reportsUsage ? "instance" : "none",
          IsSelfShared: image.shared ? "True" : "False",
          Tags: {
            Tag: Object.entries(image.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
          },
          DiskDeviceMappings: {
            DiskDeviceMapping: image.snapshotIds.map((SnapshotId) => ({
              SnapshotId,
              Type: "system",
            })),
          },
        })),
      },
    };
  }

  /** An image's `instances` as running instances i-<image>-<n>. */
  private describeInstances(p: Record<string, string>): object {
    const all = [...this.images.values()]
      .filter((image) => p.ImageId === undefined || image.id === p.ImageId)
      .flatMap((image) =>
        Array.from({ length: image.instances }, (_, n) => ({
          InstanceId: `i-${image.id.slice(2)}-${n}`,
          ImageId: image.id,
          Status: "Running",
        })),
      );
    const rows = paged(all, p, 100);
    return {
      TotalCount: all.length,
      PageNumber: Number(p.PageNumber ?? 1),
      PageSize: Number(p.PageSize ?? 10),
      Instances: { Instance: rows },
    };
  }

  private deleteImage(p: Record<string, string>): object {
    if (!p.ImageId)
      throw new ApiError(400, "MissingParameter", 'The input parameter "ImageId" is not supplied.');
    const image = this.images.get(p.ImageId);
    if (!image) return {};
    const force = p.Force === "true";
    if (image.instances > 0 && !force) {
      throw new ApiError(
        403,
        "ImageUsingByInstance",
        "The specified image has been used to create instances.",
      );
    }
    if (image.shared) {
      throw new ApiError(403, "ImageUseShared", "The specified image has been shared to others.");
    }
    if (image.status === "Creating") {
      throw new ApiError(403, "ImageIsCreating", "The specified image is being created.");
    }
    this.images.delete(image.id);
    image.snapshotIds.forEach((id) => this.lagging.add(id));
    this.lagLeft = this.snapshotReleaseLag;
    return {};
  }

  private deleteSnapshot(p: Record<string, string>): object {
    if (!p.SnapshotId) {
      throw new ApiError(
        400,
        "MissingParameter",
        'The input parameter "SnapshotId" is not supplied.',
      );
    }
    const snapshot = this.snapshots.get(p.SnapshotId);
    if (!snapshot) return {};
    const heldByImage = [...this.images.values()].some((image) =>
      image.snapshotIds.includes(snapshot.id),
    );
    const lagging = this.lagging.has(snapshot.id) && this.lagLeft > 0;
    if (lagging) this.lagLeft--;
    if (heldByImage || lagging) {
      throw new ApiError(
        403,
        "SnapshotCreatedImage",
        "The snapshot has been used to create user defined image(s).",
      );
    }
    if (snapshot.disks > 0 && p.Force !== "true") {
      throw new ApiError(
        403,
        "SnapshotCreatedDisk",
        "The snapshot has been used to create disk(s).",
      );
    }
    this.snapshots.delete(snapshot.id);
    return {};
  }

  private describeScalingGroups(p: Record<string, string>): object {
    const rows = paged(this.scalingGroups, p, 50);
    return {
      TotalCount: this.scalingGroups.length,
      PageNumber: Number(p.PageNumber ?? 1),
      PageSize: Number(p.PageSize ?? 10),
      ScalingGroups: { ScalingGroup: rows },
    };
  }

  private describeScalingConfigurations(p: Record<string, string>): object {
    let all = this.scalingConfigurations.filter(
      (row) => p.ScalingGroupId === undefined || row.ScalingGroupId === p.ScalingGroupId,
    );
    if (this.takeFault("DescribeScalingConfigurations", ["drop-configuration"])) all = all.slice(1);
    const rows = paged(all, p, 50);
    return {
      TotalCount: all.length,
      PageNumber: Number(p.PageNumber ?? 1),
      PageSize: Number(p.PageSize ?? 10),
      ScalingConfigurations: {
        ScalingConfiguration: rows.map((row) => ({ ...row, LifecycleState: "Active" })),
      },
    };
  }
}
