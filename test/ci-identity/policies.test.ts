// The CI identity's trust and permission documents: each role trusts exactly one GitHub
// subject (never a wildcard), the read-only roles read nothing secret, and a deploy role acts
// only in its stack's region and on its stack's RAM names.
import { ramActionViolations } from "../../policy/rules/ram-actions";
import {
  accountOf,
  clientObjectPattern,
  DEFAULT_AUDIENCE,
  deployPolicy,
  GITHUB_ISSUER,
  PolicyDocument,
  RAM_SERVICE_OF_MODULE,
  READ_ACTIONS,
  readPolicy,
  SECRET_READS,
  subjectPrefix,
  subjects,
  trustPolicy,
} from "../../ci-identity/policies";
import { resourcesOfType, runStack } from "../helpers/mocks";
import { SHIPPED_STACKS, stackConfig } from "../helpers/stacks";
import { RAM_POLICY } from "../helpers/types";

const PROVIDER = "acs:ram::1234567890123456:oidc-provider/github-actions";
const PREFIX = subjectPrefix("acme/hpc-fleet");

function conditionOf(document: PolicyDocument) {
  expect(document.Statement).toHaveLength(1);
  const [statement] = document.Statement;
  expect(statement).toMatchObject({
    Effect: "Allow",
    Action: "sts:AssumeRole",
    Principal: { Federated: [PROVIDER] },
  });
  // StringEquals only: no StringLike, so no `*` can widen a subject.
  expect(Object.keys(statement.Condition ?? {})).toEqual(["StringEquals"]);
  return statement.Condition?.StringEquals ?? {};
}

function trust(subject: string) {
  return conditionOf(trustPolicy({ providerArn: PROVIDER, audience: DEFAULT_AUDIENCE, subject }));
}

describe("GitHub subjects", () => {
  it("are repo:owner/name:<context>", () => {
    expect(subjects.pullRequest(PREFIX)).toBe("repo:acme/hpc-fleet:pull_request");
    expect(subjects.main(PREFIX)).toBe("repo:acme/hpc-fleet:ref:refs/heads/main");
    expect(subjects.environment(PREFIX, "prod-cn-hangzhou")).toBe(
      "repo:acme/hpc-fleet:environment:prod-cn-hangzhou",
    );
  });

  it("take an immutable-subject prefix, never a wildcard", () => {
    expect(subjectPrefix("acme/hpc-fleet", "repo:acme@123/hpc-fleet@456")).toBe(
      "repo:acme@123/hpc-fleet@456",
    );
    expect(() => subjectPrefix("acme/hpc-fleet", "repo:acme/*")).toThrow(/without wildcards/);
    expect(() => subjectPrefix("acme")).toThrow(/owner\/name/);
    expect(() => subjectPrefix("acme/hpc fleet")).toThrow(/owner\/name/);
  });
});

describe("trust policies", () => {
  it("check the issuer, the audience and one exact subject", () => {
    expect(trust(subjects.pullRequest(PREFIX))).toEqual({
      "oidc:iss": GITHUB_ISSUER,
      "oidc:aud": "sts.aliyuncs.com",
      "oidc:sub": "repo:acme/hpc-fleet:pull_request",
    });
    expect(GITHUB_ISSUER).toBe("https://token.actions.githubusercontent.com");
  });

  it("the preview role's can never match an environment's or main's token", () => {
    const sub = trust(subjects.pullRequest(PREFIX))["oidc:sub"];
    for (const other of [
      subjects.main(PREFIX),
      subjects.environment(PREFIX, "dev"),
      subjects.environment(PREFIX, "prod-cn-hangzhou"),
    ]) {
      expect(sub).not.toBe(other);
    }
    expect(sub).not.toMatch(/environment|ref:|\*/);
  });

  it("a deploy role's can never match a pull request's, main's or another environment's", () => {
    const sub = trust(subjects.environment(PREFIX, "prod-cn-hangzhou"))["oidc:sub"];
    expect(sub).toBe("repo:acme/hpc-fleet:environment:prod-cn-hangzhou");
    for (const other of [
      subjects.pullRequest(PREFIX),
      subjects.main(PREFIX),
      subjects.environment(PREFIX, "dev"),
    ]) {
      expect(sub).not.toBe(other);
    }
    expect(sub).not.toMatch(/pull_request|\*/);
  });
});

describe("the read policy (preview and plan roles)", () => {
  const document = readPolicy();
  const allowed = document.Statement.filter((statement) => statement.Effect === "Allow").flatMap(
    (statement) => statement.Action,
  );

  it("allows only Describe, Get and List calls", () => {
    expect(allowed).toEqual([...READ_ACTIONS]);
    for (const action of allowed) expect(action).toMatch(/^[a-z]+:(Describe|Get|List)[A-Za-z]+$/);
  });

  it("names every action, as the policy pack requires of the fleet's own RAM policies", () => {
    const resource = {
      type: RAM_POLICY,
      name: "read",
      props: { policyDocument: JSON.stringify(document) },
    };
    expect(ramActionViolations(resource)).toEqual([]);
  });

  it("denies the reads that return user data, container environments, OSS objects and KMS", () => {
    const denied = document.Statement.filter((statement) => statement.Effect === "Deny").flatMap(
      (statement) => statement.Action,
    );
    expect(denied).toEqual([...SECRET_READS]);
    for (const secret of [
      "ecs:DescribeUserData",
      "ess:DescribeScalingConfigurations",
      "eci:*",
      "oss:*",
    ]) {
      expect(denied).toContain(secret);
      expect(allowed).not.toContain(secret);
    }
    expect(allowed.some((action) => action.startsWith("eci:") || action.startsWith("oss:"))).toBe(
      false,
    );
  });
});

describe("deploy policies", () => {
  const resourcesOf = (document: PolicyDocument) =>
    document.Statement.flatMap((statement) => [statement.Resource ?? []].flat());

  it("act on the regional services only in the stack's region", () => {
    const document = deployPolicy({ stack: "prod-cn-hangzhou", region: "cn-hangzhou" });
    const regional = document.Statement[0];
    expect(regional.Action).toEqual(["ecs:*", "vpc:*", "ess:*", "eci:*", "alb:*", "nas:*", "cr:*"]);
    expect(regional.Resource).toEqual(
      ["ecs", "vpc", "ess", "eci", "alb", "nas", "cr"].map(
        (service) => `acs:${service}:cn-hangzhou:*:*`,
      ),
    );
    expect(document.Statement.every((statement) => statement.Effect === "Allow")).toBe(true);
  });

  it("act on RAM only under the stack's own names, and never on the CI's roles", () => {
    const document = deployPolicy({ stack: "dev", region: "cn-beijing" });
    const ram = resourcesOf(document).filter((resource) => resource.startsWith("acs:ram:"));
    expect(ram).toEqual(["acs:ram:*:*:role/hpc-dev-*", "acs:ram:*:*:policy/hpc-dev-*"]);
    const actions = document.Statement.flatMap((statement) => [statement.Action].flat());
    expect(actions.filter((action) => action.startsWith("ram:") && action.includes("*"))).toEqual(
      [],
    );
  });

  it.each(SHIPPED_STACKS)(
    "%s: cover every RAM role and policy the fleet declares, and no other stack's",
    async (stack) => {
      jest.spyOn(console, "warn").mockImplementation(() => undefined);
      const { resources } = await runStack(stack, {}, { preview: true });
      const names = [
        ...resourcesOfType(resources, "alicloud:ram/role:Role").map(
          (r) => `role/${r.inputs.roleName}`,
        ),
        ...resourcesOfType(resources, RAM_POLICY).map((r) => `policy/${r.inputs.policyName}`),
      ];
      expect(names.length).toBeGreaterThanOrEqual(2);
      const patterns = (scopeStack: string) =>
        resourcesOf(deployPolicy({ stack: scopeStack, region: stackConfig(stack).region }))
          .filter((resource) => resource.startsWith("acs:ram:"))
          .map(
            (resource) =>
              new RegExp(`^${resource.slice("acs:ram:*:*:".length).replace("*", ".*")}$`),
          );
      for (const name of names) {
        expect(patterns(stack).some((pattern) => pattern.test(name))).toBe(true);
        for (const other of SHIPPED_STACKS.filter((other) => other !== stack)) {
          expect({ name, other, matches: patterns(other).some((p) => p.test(name)) }).toEqual({
            name,
            other,
            matches: false,
          });
        }
      }
      jest.restoreAllMocks();
    },
  );

  it.each(SHIPPED_STACKS)(
    "%s: allow every service the fleet declares resources in",
    async (stack) => {
      jest.spyOn(console, "warn").mockImplementation(() => undefined);
      // With the operator endpoint on (self-signed), so its load balancer and certificate are
      // declared too.
      const { resources } = await runStack(
        stack,
        { operatorAccess: { selfSigned: true } },
        { preview: true },
      );
      jest.restoreAllMocks();
      const modules = new Set(
        resources
          .filter((resource) => resource.type.startsWith("alicloud:"))
          .map((resource) => resource.type.split(":")[1].split("/")[0]),
      );
      expect([...modules]).toEqual(expect.arrayContaining(["alb", "cas", "nas", "cs"]));
      const allowed = deployPolicy({ stack, region: stackConfig(stack).region })
        .Statement.flatMap((statement) => [statement.Action].flat())
        .map((action) => action.split(":")[0]);
      for (const module of modules) {
        const service = RAM_SERVICE_OF_MODULE[module];
        expect({ module, service }).toEqual({ module, service: expect.any(String) });
        expect({ module, allowed: allowed.includes(service) }).toEqual({ module, allowed: true });
      }
    },
  );

  it("read the client archives' folder only, when the stack builds from one in OSS", () => {
    const without = deployPolicy({ stack: "dev", region: "cn-beijing" });
    expect(JSON.stringify(without)).not.toMatch(/oss:/);
    const withArchive = deployPolicy({
      stack: "dev",
      region: "cn-beijing",
      clientObjects: {
        bucket: "perf-artifacts",
        pattern: clientObjectPattern("hpc-client/1.4.2.zip"),
      },
    });
    expect(withArchive.Statement.at(-1)).toEqual({
      Effect: "Allow",
      Action: ["oss:GetObject"],
      Resource: ["acs:oss:*:*:perf-artifacts/hpc-client/*"],
    });
    expect(clientObjectPattern("client.zip")).toBe("client.zip");
  });
});

describe("accountOf", () => {
  it("reads the account id from a RAM ARN", () => {
    expect(accountOf(PROVIDER)).toBe("1234567890123456");
    expect(() => accountOf("arn:aws:iam::1:role/x")).toThrow(/not a RAM ARN/);
  });
});
