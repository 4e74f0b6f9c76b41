// Stack discovery: the workflows run whatever Pulumi.<stack>.yaml files the project has, each
// in its wave, with its policy config (or the default), on a runner that can reach its build,
// for longer than its build may take.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_BUILD_TIMEOUT_MINUTES,
  DEFAULT_CLIENT_SOURCE_DIR,
  DEFAULT_POLICY_CONFIG,
  describeStack,
  discoverStacks,
  HOSTED_JOB_LIMIT_MINUTES,
  stackOutputs,
} from "../../tools/ci/stacks";
import { findResource, runStack } from "../helpers/mocks";
import { PROJECT_DIR, SHIPPED_STACKS, stackConfig } from "../helpers/stacks";

/** A project directory holding only the given stack files (name -> YAML text). */
function project(files: Record<string, string>, policyConfigs: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "hpc-ci-stacks-"));
  for (const [stack, text] of Object.entries(files)) {
    writeFileSync(join(dir, `Pulumi.${stack}.yaml`), text);
  }
  mkdirSync(join(dir, "policy", "config"), { recursive: true });
  for (const stack of policyConfigs)
    writeFileSync(join(dir, "policy", "config", `${stack}.json`), "{}");
  return dir;
}

function stackYaml(environment: string, image: string = "{}"): string {
  return [
    "config:",
    "  alicloud:region: eu-central-1",
    `  hpc-fleet:environment: ${environment}`,
    `  hpc-fleet:image: ${image}`,
  ].join("\n");
}

describe("stack discovery", () => {
  it("finds exactly the shipped stack files, dev in the first wave and the prods after", () => {
    const stacks = discoverStacks(PROJECT_DIR);
    expect(stacks.map((stack) => stack.stack)).toEqual([...SHIPPED_STACKS].sort());
    const waves = Object.fromEntries(stacks.map((stack) => [stack.stack, stack.wave]));
    expect(waves).toEqual({
      dev: "first",
      "prod-cn-hangzhou": "prod",
      "prod-ap-southeast-1": "prod",
    });
    for (const stack of stacks) {
      expect(stack.environment).toBe(stack.stack);
      expect(stack.policyConfig).toBe(`policy/config/${stack.stack}.json`);
      expect(stack.region).toBe(stackConfig(stack.stack).region);
    }
  });

  it("adds a region from its stack file alone, with the default policy config", () => {
    const dir = project({ dev: stackYaml("dev"), "prod-eu-central-1": stackYaml("prod") }, ["dev"]);
    const [dev, frankfurt] = discoverStacks(dir);
    expect(dev).toMatchObject({
      stack: "dev",
      wave: "first",
      policyConfig: "policy/config/dev.json",
    });
    expect(frankfurt).toMatchObject({
      stack: "prod-eu-central-1",
      environment: "prod-eu-central-1",
      wave: "prod",
      region: "eu-central-1",
      policyConfig: DEFAULT_POLICY_CONFIG,
    });
  });

  it("ships the default policy config, and it sets what the per-stack ones set", () => {
    const read = (path: string) =>
      JSON.parse(readFileSync(join(PROJECT_DIR, path), "utf8")) as Record<string, unknown>;
    expect(Object.keys(read(DEFAULT_POLICY_CONFIG)).sort()).toEqual(
      Object.keys(read("policy/config/dev.json")).sort(),
    );
  });

  it("puts every non-prod environment in the first wave", () => {
    const dir = project({ a: stackYaml("test"), b: stackYaml("staging"), c: stackYaml("prod") });
    expect(discoverStacks(dir).map((stack) => stack.wave)).toEqual(["first", "first", "prod"]);
  });

  it("outputs all stacks and each wave as JSON arrays", () => {
    const outputs = stackOutputs(discoverStacks(PROJECT_DIR));
    expect(JSON.parse(outputs.all)).toHaveLength(SHIPPED_STACKS.length);
    expect(JSON.parse(outputs.first).map((stack: { stack: string }) => stack.stack)).toEqual([
      "dev",
    ]);
    expect(
      JSON.parse(outputs.prod)
        .map((stack: { stack: string }) => stack.stack)
        .sort(),
    ).toEqual(["prod-ap-southeast-1", "prod-cn-hangzhou"]);
  });

  it("refuses a directory with no stack file", () => {
    expect(() => discoverStacks(project({}))).toThrow(/no Pulumi.<stack>.yaml/);
  });

  it("refuses a stack name that cannot name an environment and a role", () => {
    const dir = project({ Prod_EU: stackYaml("prod") });
    expect(() => discoverStacks(dir)).toThrow(/lowercase letters, digits or hyphens/);
  });

  it("refuses a stack file without a region", () => {
    const dir = project({ dev: "config:\n  hpc-fleet:environment: dev\n" });
    expect(() => discoverStacks(dir)).toThrow(/alicloud:region is not set/);
  });
});

describe("where and how long an up runs", () => {
  // A preview without the client binaries warns that the image's hash is unknown.
  beforeEach(() => jest.spyOn(console, "warn").mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it("uses the schema's defaults for the build timeout and the client directory", () => {
    const image = stackConfig("dev").image;
    expect(image.buildTimeoutMinutes).toBe(DEFAULT_BUILD_TIMEOUT_MINUTES);
    expect(image.clientSourceDir).toBe(DEFAULT_CLIENT_SOURCE_DIR);
  });

  it.each(SHIPPED_STACKS)(
    "%s: the job outlasts the image build command's own timeout, within a hosted runner's 6 h",
    async (stack) => {
      const { resources } = await runStack(stack, {}, { preview: true });
      const build = findResource(resources, "command:local:Command", `hpc-${stack}-image-build`);
      const create = String(build.options?.customTimeouts?.create);
      const commandMinutes = Number(/^(\d+)m$/.exec(create)?.[1]);
      expect(commandMinutes).toBe(DEFAULT_BUILD_TIMEOUT_MINUTES + 15);
      const ci = describeStack(PROJECT_DIR, stack);
      expect(ci.builds).toBe(true);
      expect(ci.runsOn).toBe("ubuntu-24.04");
      expect(ci.timeoutMinutes).toBeGreaterThan(commandMinutes);
      expect(ci.timeoutMinutes).toBeLessThanOrEqual(HOSTED_JOB_LIMIT_MINUTES);
      // The STS session lasts the whole job: Pulumi and Packer never refresh the token.
      expect(ci.sessionSeconds).toBe(ci.timeoutMinutes * 60);
    },
  );

  it("follows a longer build timeout", () => {
    const dir = project({ dev: stackYaml("dev", "{ buildTimeoutMinutes: 240 }") });
    expect(describeStack(dir, "dev")).toMatchObject({ timeoutMinutes: 300, sessionSeconds: 18000 });
  });

  it("refuses a build longer than a hosted job can last, unless built from inside the VPC", () => {
    const hosted = project({ dev: stackYaml("dev", "{ buildTimeoutMinutes: 320 }") });
    expect(() => describeStack(hosted, "dev")).toThrow(/self-hosted runner in the VPC/);
    const inVpc = project({
      dev: stackYaml("dev", "{ buildTimeoutMinutes: 600, buildAddress: private }"),
    });
    expect(describeStack(inVpc, "dev")).toMatchObject({
      runsOn: ["self-hosted", "linux", "hpc-fleet-dev"],
      timeoutMinutes: 660,
      sessionSeconds: 39600,
    });
  });

  it("gives an up that builds no image an hour", () => {
    const dir = project({ dev: stackYaml("dev", "{ existingImageId: m-abc }") });
    expect(describeStack(dir, "dev")).toMatchObject({ builds: false, timeoutMinutes: 60 });
  });

  it("reads .yml stack files too", () => {
    const dir = project({});
    copyFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), join(dir, "Pulumi.dev.yml"));
    expect(discoverStacks(dir).map((stack) => stack.stack)).toEqual(["dev"]);
  });
});
