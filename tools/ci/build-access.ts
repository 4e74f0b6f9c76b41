// Admits a GitHub-hosted runner to the Packer build instance's WinRM for one up, and removes
// it after. The build instance has a public address (image.buildAddress: public) and the
// `packer-build` security group admits only network.builderCidrs, which a hosted runner's
// address (one of Azure's, different each run) is not in. So before the up, this adds one
// ingress rule for <runner IP>/32 on 5986 to that group, out of band (no config or state
// change, so the reviewed update plan still applies), and after the up, whatever happened,
// revokes it. Rules a lost runner left behind carry RULE_DESCRIPTION and are revoked first.
//
// The group is found by the name and `stack` tag the program gives it (read from the offline
// plan). Before a stack's first up it does not exist: nothing can be admitted, and the first
// build must run from a runner inside network.builderCidrs or the VPC (docs/ci.md).
import OpenApiClient, { $OpenApiUtil } from "@alicloud/openapi-core";
import { callRpc } from "../alicloud/rpc";
import { WINRM_HTTPS_PORT } from "../../components/network/rules";
import type { Plan } from "../plan/plan";

export const RULE_DESCRIPTION = "hpc-fleet CI runner (removed after the up)";
const SECURITY_GROUP = "alicloud:ecs/securityGroup:SecurityGroup";
const ECS_VERSION = "2014-05-26";

/** One ECS API call: action and flat RPC parameters in, the JSON body out. */
export type EcsCall = (action: string, params: Record<string, string>) => Promise<unknown>;

export interface BuildGroup {
  readonly name: string;
  readonly stackTag: string;
}

export class BuildAccessError extends Error {}

/** The packer-build group's name and stack tag, as the program declares them. */
export function buildGroupOf(plan: Plan): BuildGroup {
  const groups = plan.resources.filter(
    (resource) =>
      resource.type === SECURITY_GROUP &&
      (resource.inputs.tags as Record<string, unknown> | undefined)?.role === "packer-build",
  );
  if (groups.length !== 1) {
    throw new BuildAccessError(`expected one packer-build security group, found ${groups.length}`);
  }
  const { securityGroupName, tags } = groups[0].inputs as {
    securityGroupName?: unknown;
    tags: Record<string, unknown>;
  };
  if (typeof securityGroupName !== "string" || typeof tags.stack !== "string") {
    throw new BuildAccessError("the packer-build security group has no plain name or stack tag");
  }
  return { name: securityGroupName, stackTag: tags.stack };
}

/** A single IPv4 address as an echo service answers it, checked. */
export function runnerCidr(answer: string): string {
  const ip = answer.trim();
  const octets = ip.split(".");
  const valid =
    octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
  if (!valid) throw new BuildAccessError(`not an IPv4 address: ${JSON.stringify(ip.slice(0, 60))}`);
  return `${ip}/32`;
}

function ruleParams(region: string, groupId: string, cidr: string): Record<string, string> {
  return {
    RegionId: region,
    SecurityGroupId: groupId,
    IpProtocol: "tcp",
    PortRange: `${WINRM_HTTPS_PORT}/${WINRM_HTTPS_PORT}`,
    SourceCidrIp: cidr,
    NicType: "intranet",
    Policy: "accept",
    Priority: "1",
  };
}

interface GroupsBody {
  SecurityGroups?: { SecurityGroup?: { SecurityGroupId?: string }[] };
}

interface AttributeBody {
  Permissions?: {
    Permission?: { SourceCidrIp?: string; PortRange?: string; Description?: string }[];
  };
}

/** The build group's id, or undefined before the stack's first up. */
export async function findBuildGroup(
  call: EcsCall,
  region: string,
  group: BuildGroup,
): Promise<string | undefined> {
  const body = (await call("DescribeSecurityGroups", {
    RegionId: region,
    SecurityGroupName: group.name,
    "Tag.1.Key": "stack",
    "Tag.1.Value": group.stackTag,
  })) as GroupsBody;
  const ids = (body.SecurityGroups?.SecurityGroup ?? []).map((found) => found.SecurityGroupId);
  if (ids.length > 1) {
    throw new BuildAccessError(`${ids.length} security groups are named ${group.name}: which one?`);
  }
  return ids[0];
}

/** Revokes the rules this tool added before (a runner lost mid-up never revoked its own). */
export async function revokeStaleRules(
  call: EcsCall,
  region: string,
  groupId: string,
): Promise<string[]> {
  const body = (await call("DescribeSecurityGroupAttribute", {
    RegionId: region,
    SecurityGroupId: groupId,
    Direction: "ingress",
  })) as AttributeBody;
  const stale = (body.Permissions?.Permission ?? [])
    .filter((rule) => rule.Description === RULE_DESCRIPTION && rule.SourceCidrIp)
    .map((rule) => rule.SourceCidrIp as string);
  for (const cidr of stale) await call("RevokeSecurityGroup", ruleParams(region, groupId, cidr));
  return stale;
}

export interface Admission {
  /** undefined: no group yet, nothing admitted. */
  readonly securityGroupId?: string;
  readonly cidr: string;
}

export async function admit(
  call: EcsCall,
  region: string,
  group: BuildGroup,
  cidr: string,
): Promise<Admission> {
  const groupId = await findBuildGroup(call, region, group);
  if (!groupId) return { cidr };
  await revokeStaleRules(call, region, groupId);
  await call("AuthorizeSecurityGroup", {
    ...ruleParams(region, groupId, cidr),
    Description: RULE_DESCRIPTION,
  });
  return { securityGroupId: groupId, cidr };
}

export async function revoke(
  call: EcsCall,
  region: string,
  groupId: string,
  cidr: string,
): Promise<void> {
  await call("RevokeSecurityGroup", ruleParams(region, groupId, cidr));
}

export interface EcsClientOptions {
  readonly region: string;
  readonly env: NodeJS.ProcessEnv;
  /** Defaults to ecs.<region>.aliyuncs.com over HTTPS; tests point it at 127.0.0.1. */
  readonly endpoint?: string;
  readonly protocol?: "HTTP" | "HTTPS";
}

/** ECS RPC calls signed with the STS triple configure-aliyun-credentials-action exported. */
export function ecsCall(options: EcsClientOptions): EcsCall {
  const { env } = options;
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) {
    throw new BuildAccessError(
      "no ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET: assume the deploy role first",
    );
  }
  const protocol = options.protocol ?? "HTTPS";
  const client = new OpenApiClient(
    new $OpenApiUtil.Config({
      accessKeyId,
      accessKeySecret,
      securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN,
      regionId: options.region,
      endpoint: options.endpoint ?? `ecs.${options.region}.aliyuncs.com`,
      protocol,
      readTimeout: 10_000,
      connectTimeout: 5_000,
    }),
  );
  return (action, params) => callRpc(client, ECS_VERSION, protocol, action, params);
}
