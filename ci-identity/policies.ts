// The CI identity's RAM documents as pure functions: who may assume each role (trust
// policies on GitHub's OIDC claims) and what each role may do. Tested in
// test/ci-identity/policies.test.ts; the workflows build the same role ARNs from these names.
//
// GitHub's `sub` claim says where a job runs, and RAM can match only iss, aud and sub:
//   repo:O/R:pull_request          a pull_request job without an `environment:`
//   repo:O/R:ref:refs/heads/main   a push to main without an `environment:`
//   repo:O/R:environment:NAME      any job that declares `environment: NAME`
// so each role trusts exactly one of these, and the environment's own rules (deployment
// branch main, required reviewers) decide what may run in it.

export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";
/** What aliyun/configure-aliyun-credentials-action requests unless told otherwise. */
export const DEFAULT_AUDIENCE = "sts.aliyuncs.com";
export const OIDC_PROVIDER_NAME = "github-actions";

export const PREVIEW_ROLE = "hpc-fleet-ci-preview";
export const PLAN_ROLE = "hpc-fleet-ci-plan";
export const READ_POLICY = "hpc-fleet-ci-read";

export function deployRoleName(environment: string): string {
  return `hpc-fleet-ci-deploy-${environment}`;
}

export function deployPolicyName(environment: string): string {
  return `hpc-fleet-ci-deploy-${environment}`;
}

/** Pull-request previews and main's plans only read: an hour is plenty. */
export const READ_SESSION_SECONDS = 3600;
/** The longest STS allows; the workflow asks for its own job's length (tools/ci/stacks.ts). */
export const DEPLOY_SESSION_SECONDS = 43_200;

const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

export class IdentityConfigError extends Error {}

/** `repo:owner/name`, or the repository's immutable-subject prefix when given. */
export function subjectPrefix(repository: string, override?: string): string {
  if (!REPOSITORY.test(repository)) {
    throw new IdentityConfigError(`githubRepository must be owner/name (got "${repository}")`);
  }
  if (override === undefined) return `repo:${repository}`;
  if (!/^repo:[^:\s*?]+$/.test(override)) {
    throw new IdentityConfigError(
      `subjectPrefix must be repo:OWNER@OWNER_ID/REPO@REPO_ID, without wildcards (got "${override}")`,
    );
  }
  return override;
}

export const subjects = {
  pullRequest: (prefix: string) => `${prefix}:pull_request`,
  main: (prefix: string) => `${prefix}:ref:refs/heads/main`,
  environment: (prefix: string, name: string) => `${prefix}:environment:${name}`,
};

export interface TrustPolicyArgs {
  /** acs:ram::<account>:oidc-provider/<name> */
  readonly providerArn: string;
  readonly audience: string;
  /** One exact subject: no StringLike, so no wildcard ever widens it. */
  readonly subject: string;
}

export interface PolicyStatement {
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | string[];
  readonly Principal?: { readonly Federated: string[] };
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: "1";
  readonly Statement: PolicyStatement[];
}

/** A role trusted by GitHub's OIDC provider for one issuer, audience and subject. */
export function trustPolicy(args: TrustPolicyArgs): PolicyDocument {
  return {
    Version: "1",
    Statement: [
      {
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { Federated: [args.providerArn] },
        Condition: {
          StringEquals: {
            "oidc:iss": GITHUB_ISSUER,
            "oidc:aud": args.audience,
            "oidc:sub": args.subject,
          },
        },
      },
    ],
  };
}

/**
 * What a preview may read. `pulumi preview` without refresh reads the state from the
 * backend; beyond what the provider may check a plan against, it makes the program's
 * data-source calls (the mocks refuse any other): the NAT zones and an existing NAT
 * gateway, existing vSwitches, the source image, and the registry instance (without its
 * login: a preview never asks for GetAuthorizationToken, components/host-manager/registry.ts,
 * and it is denied here). Nothing that
 * can return a secret: user data (the fleet token), ECI container groups (their environment
 * holds the Statuspage key), Cloud Assistant output, OSS objects; and those are denied
 * outright, so a broader policy attached later cannot give a pull request them.
 */
export const READ_ACTIONS: readonly string[] = [
  // cs.getRegistryEnterpriseInstances (data_source_alicloud_cr_ee_instances.go: ListInstance,
  // GetInstanceUsage, ListInstanceEndpoint per instance).
  "cr:GetInstanceUsage",
  "cr:ListInstance",
  "cr:ListInstanceEndpoint",
  "ecs:DescribeImages",
  "ecs:DescribeRegions",
  "ecs:DescribeSecurityGroupAttribute",
  "ecs:DescribeSecurityGroups",
  "ecs:DescribeZones",
  "ecs:ListTagResources",
  "ess:DescribeScalingGroups",
  "ess:ListTagResources",
  "pvtz:DescribeZoneInfo",
  "pvtz:DescribeZoneRecords",
  "pvtz:DescribeZones",
  "ram:GetPolicy",
  "ram:GetPolicyVersion",
  "ram:GetRole",
  "ram:ListPoliciesForRole",
  // vpc.getNatGateways (data_source_alicloud_nat_gateways.go) and
  // vpc.getEnhancedNatAvailableZones (data_source_alicloud_enhanced_nat_available_zones.go:
  // the API's own spelling).
  "vpc:DescribeNatGateways",
  "vpc:ListEnhanhcedNatGatewayAvailableZones",
  "vpc:DescribeVSwitchAttributes",
  "vpc:DescribeVSwitches",
  "vpc:DescribeVpcAttribute",
  "vpc:DescribeVpcs",
  "vpc:ListTagResources",
];

/** Reads that can return a secret of the fleet's (or anything in OSS): never for CI's readers. */
export const SECRET_READS: readonly string[] = [
  "cr:GetAuthorizationToken",
  "ecs:DescribeUserData",
  "ecs:DescribeLaunchTemplateVersions",
  "ecs:DescribeInvocationResults",
  "ess:DescribeScalingConfigurations",
  "eci:*",
  "oss:*",
  "kms:*",
];

export function readPolicy(): PolicyDocument {
  return {
    Version: "1",
    Statement: [
      { Effect: "Allow", Action: [...READ_ACTIONS], Resource: "*" },
      { Effect: "Deny", Action: [...SECRET_READS], Resource: "*" },
    ],
  };
}

export interface DeployScope {
  /** The stack, which names its RAM resources hpc-<stack>-*. */
  readonly stack: string;
  readonly region: string;
  /**
   * The objects its client archives are, when the stack builds from one in OSS: the
   * archive's folder (`hpc-client/*`), so a new client version needs no new policy.
   */
  readonly clientObjects?: { readonly bucket: string; readonly pattern: string };
}

/**
 * The regional services (RAM service codes) the fleet's resources and Packer's build
 * instance live in: ECS, VPC (NAT gateways and EIPs too), Auto Scaling, ECI, ALB, NAS and
 * Container Registry (the namespace, repository and VPC link; `cr` in RAM).
 */
export const REGIONAL_SERVICES = ["ecs", "vpc", "ess", "eci", "alb", "nas", "cr"] as const;

/**
 * Services whose resources have no region in RAM: PrivateZone (a zone is attached to the
 * VPC) and the certificate service, whose RAM code is `yundun-cert` (the operator
 * endpoint's uploaded certificate).
 */
export const GLOBAL_SERVICES = ["pvtz", "yundun-cert"] as const;

/**
 * The RAM service code of each @pulumi/alicloud module the fleet declares resources in
 * (the token's module, `alicloud:<module>/...`): a test holds the fleet's resources to it,
 * so a resource in a new service cannot reach a deploy role's denial unseen.
 */
export const RAM_SERVICE_OF_MODULE: Readonly<Record<string, string>> = {
  ecs: "ecs",
  vpc: "vpc",
  ess: "ess",
  eci: "eci",
  alb: "alb",
  nas: "nas",
  cs: "cr", // cs.RegistryEnterprise*: Container Registry Enterprise Edition
  cr: "cr",
  pvtz: "pvtz",
  cas: "yundun-cert",
  ram: "ram",
};

/**
 * What one stack's `pulumi up` (and the Packer build it runs) may do. The Terraform-bridged
 * provider and Packer call more APIs than can be listed offline, so the regional services
 * are allowed whole but only in the stack's region; RAM only on the roles and policies the
 * stack names hpc-<stack>-*; OSS only the client archive's folder.
 */
export function deployPolicy(scope: DeployScope): PolicyDocument {
  const ram = [`acs:ram:*:*:role/hpc-${scope.stack}-*`, `acs:ram:*:*:policy/hpc-${scope.stack}-*`];
  const statements: PolicyStatement[] = [
    {
      Effect: "Allow",
      Action: REGIONAL_SERVICES.map((service) => `${service}:*`),
      Resource: REGIONAL_SERVICES.map((service) => `acs:${service}:${scope.region}:*:*`),
    },
    { Effect: "Allow", Action: GLOBAL_SERVICES.map((service) => `${service}:*`), Resource: "*" },
    {
      Effect: "Allow",
      Action: [
        "ram:AttachPolicyToRole",
        "ram:CreatePolicy",
        "ram:CreatePolicyVersion",
        "ram:CreateRole",
        "ram:DeletePolicy",
        "ram:DeletePolicyVersion",
        "ram:DeleteRole",
        "ram:DetachPolicyFromRole",
        "ram:GetPolicy",
        "ram:GetPolicyVersion",
        "ram:GetRole",
        "ram:ListEntitiesForPolicy",
        "ram:ListPoliciesForRole",
        "ram:ListPolicyVersions",
        "ram:ListTagResources",
        "ram:PassRole",
        "ram:TagResources",
        "ram:UntagResources",
        "ram:UpdateRole",
      ],
      Resource: ram,
    },
  ];
  if (scope.clientObjects) {
    statements.push({
      Effect: "Allow",
      Action: ["oss:GetObject"],
      Resource: [`acs:oss:*:*:${scope.clientObjects.bucket}/${scope.clientObjects.pattern}`],
    });
  }
  return { Version: "1", Statement: statements };
}

/** The account id in an ARN such as acs:ram::1234567890123456:oidc-provider/github-actions. */
export function accountOf(arn: string): string {
  const account = /^acs:ram::(\d+):/.exec(arn)?.[1];
  if (!account) throw new Error(`not a RAM ARN with an account id: ${arn}`);
  return account;
}

/** The client archive's folder as an OSS resource pattern: `dir/*`, or the key at the root. */
export function clientObjectPattern(key: string): string {
  const slash = key.lastIndexOf("/");
  return slash < 0 ? key : `${key.slice(0, slash + 1)}*`;
}
