// Declares the CI identity: GitHub's OIDC provider in RAM, the read-only preview and plan
// roles, and one deploy role per stack of the fleet (discovered from the fleet's stack files,
// so a new region's role appears with its stack file and one `pulumi up` here).
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import { ossObjectOf, stackClient } from "../tools/client/artifact";
import { describeStack, stackFileOf, stackNames } from "../tools/ci/stacks";
import {
  accountOf,
  clientObjectPattern,
  DEFAULT_AUDIENCE,
  DEPLOY_SESSION_SECONDS,
  deployPolicy,
  deployPolicyName,
  deployRoleName,
  DeployScope,
  GITHUB_ISSUER,
  IdentityConfigError,
  OIDC_PROVIDER_NAME,
  PLAN_ROLE,
  PREVIEW_ROLE,
  READ_POLICY,
  READ_SESSION_SECONDS,
  readPolicy,
  subjectPrefix,
  subjects,
  trustPolicy,
} from "./policies";

export interface CiIdentityArgs {
  readonly githubRepository: string;
  readonly subjectPrefix?: string;
  readonly fingerprints: readonly string[];
  readonly audience?: string;
  /** The fleet's stacks, one deploy role each. */
  readonly deployScopes: readonly DeployScope[];
}

export interface CiIdentityOutputs {
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly previewRoleArn: pulumi.Output<string>;
  readonly planRoleArn: pulumi.Output<string>;
  readonly deployRoleArns: pulumi.Output<Record<string, string>>;
  /** The repository variable the workflows build every ARN from. */
  readonly accountId: pulumi.Output<string>;
}

const FINGERPRINT = /^[0-9a-fA-F]{40}$/;
const TAGS = { project: "hpc-fleet", role: "ci-identity" };

/** The fleet's stacks as deploy scopes, read from its stack files in `projectDir`. */
export function fleetDeployScopes(projectDir: string): DeployScope[] {
  return stackNames(projectDir).map((stack) => {
    const { region } = describeStack(projectDir, stack);
    const { artifact } = stackClient(stackFileOf(projectDir, stack));
    const object = artifact ? ossObjectOf(artifact.url, region) : undefined;
    return {
      stack,
      region,
      ...(object
        ? { clientObjects: { bucket: object.bucket, pattern: clientObjectPattern(object.key) } }
        : {}),
    };
  });
}

export function checkArgs(args: CiIdentityArgs): string[] {
  const problems: string[] = [];
  try {
    subjectPrefix(args.githubRepository, args.subjectPrefix);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (args.fingerprints.length < 1 || args.fingerprints.length > 5) {
    problems.push(`fingerprints: RAM takes 1 to 5 (got ${args.fingerprints.length})`);
  }
  for (const fingerprint of args.fingerprints) {
    if (!FINGERPRINT.test(fingerprint)) {
      problems.push(`fingerprints: "${fingerprint}" is not a SHA-1 fingerprint (40 hex digits)`);
    }
  }
  if (args.deployScopes.length === 0) problems.push("no fleet stack to deploy");
  for (const scope of args.deployScopes) {
    const name = deployRoleName(scope.stack);
    if (name.length > 64) problems.push(`${name}: a RAM role name has at most 64 characters`);
    // A deploy role may touch RAM names hpc-<stack>-*: stack `prod` would reach `prod-x`'s.
    for (const other of args.deployScopes) {
      if (other.stack.startsWith(`${scope.stack}-`)) {
        problems.push(
          `stack ${scope.stack}'s deploy role would reach stack ${other.stack}'s RAM roles ` +
            `(hpc-${scope.stack}-*): rename one so neither is the other plus a suffix`,
        );
      }
    }
  }
  return problems;
}

function role(
  name: string,
  description: string,
  providerArn: pulumi.Output<string>,
  audience: string,
  subject: string,
  maxSessionDuration: number,
): alicloud.ram.Role {
  return new alicloud.ram.Role(name, {
    roleName: name,
    description,
    assumeRolePolicyDocument: providerArn.apply((arn) =>
      JSON.stringify(trustPolicy({ providerArn: arn, audience, subject })),
    ),
    maxSessionDuration,
    tags: { ...TAGS, Name: name },
  });
}

function attach(roleResource: alicloud.ram.Role, policy: alicloud.ram.Policy, name: string) {
  return new alicloud.ram.RolePolicyAttachment(name, {
    roleName: roleResource.roleName,
    policyName: policy.policyName,
    policyType: "Custom",
  });
}

export function declareCiIdentity(args: CiIdentityArgs): CiIdentityOutputs {
  const problems = checkArgs(args);
  if (problems.length > 0) throw new IdentityConfigError(problems.join("\n"));
  const prefix = subjectPrefix(args.githubRepository, args.subjectPrefix);
  const audience = args.audience ?? DEFAULT_AUDIENCE;

  const provider = new alicloud.ims.OidcProvider(OIDC_PROVIDER_NAME, {
    oidcProviderName: OIDC_PROVIDER_NAME,
    issuerUrl: GITHUB_ISSUER,
    clientIds: [audience],
    fingerprints: [...args.fingerprints],
    description: `GitHub Actions of ${args.githubRepository} (hpc-fleet CI)`,
  });

  const read = new alicloud.ram.Policy(READ_POLICY, {
    policyName: READ_POLICY,
    description: "hpc-fleet CI: read what a preview or plan may check, never a secret",
    policyDocument: JSON.stringify(readPolicy()),
    tags: { ...TAGS, Name: READ_POLICY },
  });

  const preview = role(
    PREVIEW_ROLE,
    `hpc-fleet CI: pull-request previews of ${args.githubRepository}, read-only`,
    provider.arn,
    audience,
    subjects.pullRequest(prefix),
    READ_SESSION_SECONDS,
  );
  attach(preview, read, `${PREVIEW_ROLE}-read`);

  const plan = role(
    PLAN_ROLE,
    `hpc-fleet CI: update plans on main of ${args.githubRepository}, read-only`,
    provider.arn,
    audience,
    subjects.main(prefix),
    READ_SESSION_SECONDS,
  );
  attach(plan, read, `${PLAN_ROLE}-read`);

  const deployArns: Record<string, pulumi.Output<string>> = {};
  for (const scope of args.deployScopes) {
    const name = deployRoleName(scope.stack);
    const deploy = role(
      name,
      `hpc-fleet CI: pulumi up of stack ${scope.stack} from its GitHub environment`,
      provider.arn,
      audience,
      subjects.environment(prefix, scope.stack),
      DEPLOY_SESSION_SECONDS,
    );
    const policy = new alicloud.ram.Policy(deployPolicyName(scope.stack), {
      policyName: deployPolicyName(scope.stack),
      description: `hpc-fleet CI: deploy stack ${scope.stack} in ${scope.region}`,
      policyDocument: JSON.stringify(deployPolicy(scope)),
      tags: { ...TAGS, Name: deployPolicyName(scope.stack) },
    });
    attach(deploy, policy, `${name}-policy`);
    deployArns[scope.stack] = deploy.arn;
  }

  return {
    oidcProviderArn: provider.arn,
    previewRoleArn: preview.arn,
    planRoleArn: plan.arn,
    deployRoleArns: pulumi.output(deployArns),
    accountId: provider.arn.apply(accountOf),
  };
}
