// The bootstrap stack under Pulumi's mocks: GitHub's OIDC provider, the read-only preview and
// plan roles, and one deploy role per fleet stack, each trusting only its own subject, with
// sessions long enough for the longest up CI runs.
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CiIdentityArgs,
  checkArgs,
  declareCiIdentity,
  fleetDeployScopes,
} from "../../ci-identity/identity";
import {
  DEFAULT_AUDIENCE,
  GITHUB_ISSUER,
  PLAN_ROLE,
  PREVIEW_ROLE,
  READ_POLICY,
  deployRoleName,
} from "../../ci-identity/policies";
import { runUnderMocks } from "../../tools/mocks/run-program";
import { RecordedResource } from "../../tools/mocks/recorder";
import { describeStack } from "../../tools/ci/stacks";
import { findResource, resourcesOfType } from "../helpers/mocks";
import { PROJECT_DIR, SHIPPED_STACKS } from "../helpers/stacks";

const ACCOUNT = "1234567890123456";
const OIDC_PROVIDER = "alicloud:ims/oidcProvider:OidcProvider";
const ROLE = "alicloud:ram/role:Role";
const POLICY = "alicloud:ram/policy:Policy";
const ATTACHMENT = "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment";
const FINGERPRINT = "0123456789abcdef0123456789abcdef01234567";

const ARGS: CiIdentityArgs = {
  githubRepository: "acme/hpc-fleet",
  fingerprints: [FINGERPRINT],
  deployScopes: fleetDeployScopes(PROJECT_DIR),
};

async function run(args: CiIdentityArgs = ARGS) {
  return runUnderMocks(
    {
      project: "hpc-fleet-ci-identity",
      stack: "main",
      config: {},
      preview: false,
      cloudOutputs: {
        [OIDC_PROVIDER]: (inputs) => ({
          arn: `acs:ram::${ACCOUNT}:oidc-provider/${inputs.oidcProviderName}`,
        }),
        [ROLE]: (inputs) => ({ arn: `acs:ram::${ACCOUNT}:role/${inputs.roleName}` }),
      },
    },
    async () => {
      const outputs = declareCiIdentity(args);
      const resolve = <T>(output: pulumi.Output<T>) =>
        new Promise<T>((done) => output.apply((value) => done(value)));
      return {
        accountId: await resolve(outputs.accountId),
        previewRoleArn: await resolve(outputs.previewRoleArn),
        deployRoleArns: await resolve(outputs.deployRoleArns),
      };
    },
  );
}

function subjectOf(role: RecordedResource): string {
  const document = JSON.parse(String(role.inputs.assumeRolePolicyDocument));
  const condition = document.Statement[0].Condition.StringEquals;
  expect(condition["oidc:iss"]).toBe(GITHUB_ISSUER);
  expect(condition["oidc:aud"]).toBe(DEFAULT_AUDIENCE);
  expect(document.Statement[0].Principal.Federated).toEqual([
    `acs:ram::${ACCOUNT}:oidc-provider/github-actions`,
  ]);
  return condition["oidc:sub"];
}

describe("the CI identity stack", () => {
  it("declares GitHub's OIDC provider with the audience the workflows request", async () => {
    const { resources } = await run();
    expect(resourcesOfType(resources, OIDC_PROVIDER)).toHaveLength(1);
    expect(findResource(resources, OIDC_PROVIDER, "github-actions").inputs).toMatchObject({
      oidcProviderName: "github-actions",
      issuerUrl: "https://token.actions.githubusercontent.com",
      clientIds: ["sts.aliyuncs.com"],
      fingerprints: [FINGERPRINT],
    });
  });

  it("has a preview role for pull requests and a plan role for main, both read-only", async () => {
    const { resources } = await run();
    const preview = findResource(resources, ROLE, PREVIEW_ROLE);
    const plan = findResource(resources, ROLE, PLAN_ROLE);
    expect(subjectOf(preview)).toBe("repo:acme/hpc-fleet:pull_request");
    expect(subjectOf(plan)).toBe("repo:acme/hpc-fleet:ref:refs/heads/main");
    const attached = resourcesOfType(resources, ATTACHMENT)
      .filter((attachment) =>
        [PREVIEW_ROLE, PLAN_ROLE].includes(String(attachment.inputs.roleName)),
      )
      .map((attachment) => attachment.inputs.policyName);
    expect(attached).toEqual([READ_POLICY, READ_POLICY]);
  });

  it("has one deploy role per fleet stack, trusting only that stack's environment", async () => {
    const { resources, outputs } = await run();
    const deployRoles = resourcesOfType(resources, ROLE).filter((role) =>
      role.name.startsWith("hpc-fleet-ci-deploy-"),
    );
    expect(deployRoles.map((role) => role.name).sort()).toEqual(
      SHIPPED_STACKS.map(deployRoleName).sort(),
    );
    for (const stack of SHIPPED_STACKS) {
      const role = findResource(resources, ROLE, deployRoleName(stack));
      expect(subjectOf(role)).toBe(`repo:acme/hpc-fleet:environment:${stack}`);
      const attachment = resourcesOfType(resources, ATTACHMENT).find(
        (candidate) => candidate.inputs.roleName === deployRoleName(stack),
      );
      expect(attachment?.inputs).toMatchObject({
        policyName: deployRoleName(stack),
        policyType: "Custom",
      });
      const policy = JSON.parse(
        String(findResource(resources, POLICY, deployRoleName(stack)).inputs.policyDocument),
      );
      expect(policy.Statement[0].Resource[0]).toBe(
        `acs:ecs:${describeStack(PROJECT_DIR, stack).region}:*:*`,
      );
    }
    expect(Object.keys(outputs.deployRoleArns).sort()).toEqual([...SHIPPED_STACKS].sort());
    expect(outputs.deployRoleArns.dev).toBe(`acs:ram::${ACCOUNT}:role/hpc-fleet-ci-deploy-dev`);
    expect(outputs.accountId).toBe(ACCOUNT);
  });

  it("no role trusts a pull request except the preview role", async () => {
    const { resources } = await run();
    for (const role of resourcesOfType(resources, ROLE)) {
      const pullRequest = subjectOf(role).endsWith(":pull_request");
      expect({ role: role.name, pullRequest }).toEqual({
        role: role.name,
        pullRequest: role.name === PREVIEW_ROLE,
      });
    }
  });

  it("lets a deploy session last as long as the longest up CI runs", async () => {
    const { resources } = await run();
    const longest = Math.max(
      ...SHIPPED_STACKS.map((stack) => describeStack(PROJECT_DIR, stack).sessionSeconds),
    );
    for (const stack of SHIPPED_STACKS) {
      const role = findResource(resources, ROLE, deployRoleName(stack));
      expect(Number(role.inputs.maxSessionDuration)).toBeGreaterThanOrEqual(longest);
      expect(Number(role.inputs.maxSessionDuration)).toBeLessThanOrEqual(43_200);
    }
    // A preview job lasts at most 30 minutes.
    expect(Number(findResource(resources, ROLE, PREVIEW_ROLE).inputs.maxSessionDuration)).toBe(
      3600,
    );
  });

  it("lets a deploy role read its stack's client archives in OSS, and only there", () => {
    const dir = mkdtempSync(join(tmpdir(), "hpc-ci-identity-"));
    const image = {
      clientArtifact: {
        url: "https://perf-artifacts.oss-cn-beijing.aliyuncs.com/hpc-client/1.4.2.zip",
        sha256: "a".repeat(64),
      },
    };
    for (const [stack, section] of [
      ["dev", image],
      ["prod-x", {}],
    ] as const) {
      const config = { "alicloud:region": "cn-beijing", "hpc-fleet:image": section };
      writeFileSync(join(dir, `Pulumi.${stack}.yaml`), JSON.stringify({ config }));
    }
    expect(fleetDeployScopes(dir)).toEqual([
      {
        stack: "dev",
        region: "cn-beijing",
        clientObjects: { bucket: "perf-artifacts", pattern: "hpc-client/*" },
      },
      { stack: "prod-x", region: "cn-beijing" },
    ]);
  });

  it("uses an immutable subject prefix when given", async () => {
    const { resources } = await run({ ...ARGS, subjectPrefix: "repo:acme@1/hpc-fleet@2" });
    expect(subjectOf(findResource(resources, ROLE, PREVIEW_ROLE))).toBe(
      "repo:acme@1/hpc-fleet@2:pull_request",
    );
  });

  it("refuses bad config, every problem at once", () => {
    const problems = checkArgs({
      githubRepository: "hpc-fleet",
      fingerprints: ["6938fd4d98bab03faadb97b34396831e3780aea"],
      deployScopes: [
        { stack: "prod", region: "cn-hangzhou" },
        { stack: "prod-cn-hangzhou", region: "cn-hangzhou" },
      ],
    });
    expect(problems).toEqual([
      'githubRepository must be owner/name (got "hpc-fleet")',
      'fingerprints: "6938fd4d98bab03faadb97b34396831e3780aea" is not a SHA-1 fingerprint (40 hex digits)',
      expect.stringMatching(/stack prod's deploy role would reach stack prod-cn-hangzhou's/),
    ]);
    expect(() => declareCiIdentity({ ...ARGS, fingerprints: [] })).toThrow(/1 to 5/);
  });
});
