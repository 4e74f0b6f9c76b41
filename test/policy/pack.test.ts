// The pack itself: index.ts serves exactly ./policies, mandatory; each policy runs its rule
// on what the engine hands it; and each stack's policy config is one the pack accepts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type {
  PolicyPackArgs,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import YAML from "yaml";
import { PACK_NAME, policies, TEST_ONLY_RULES } from "../../policy/policies";
import type { PolicyResource } from "../../policy/rules";
import { policyConfigOf } from "../../tools/plan/policy";
import { PROJECT_DIR, SHIPPED_STACKS, stackConfig } from "../helpers/stacks";
import { ingressRule, ramPolicy, scalingConfiguration } from "./fixtures";

const POLICY_DIR = join(PROJECT_DIR, "policy");

/** What the policy engine would pass a validateResource: secrets already unwrapped. */
function engineArgs(resource: PolicyResource, config: object = {}): ResourceValidationArgs {
  return {
    type: resource.type,
    name: resource.name,
    props: resource.props as Record<string, unknown>,
    urn: `urn:pulumi:dev::hpc-fleet::${resource.type}::${resource.name}`,
    opts: {} as ResourceValidationArgs["opts"],
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: () => {
      throw new Error("not applicable");
    },
  };
}

/** Runs the named policy of the pack on one resource; returns what it reported. */
async function runPolicy(name: string, resource: PolicyResource, config?: object) {
  const policy = policies.find((candidate) => candidate.name === name) as ResourceValidationPolicy;
  expect(policy).toBeDefined();
  const validations = ([] as ResourceValidation[]).concat(policy.validateResource ?? []);
  const reported: string[] = [];
  for (const validate of validations) {
    await validate(engineArgs(resource, config), (message) => reported.push(message));
  }
  return reported;
}

describe("policy pack", () => {
  it("index.ts serves the policies as one mandatory pack", async () => {
    const constructed: [string, PolicyPackArgs][] = [];
    // A real PolicyPack would start the policy server; record what it is given instead.
    await jest.isolateModulesAsync(async () => {
      jest.doMock("@pulumi/policy", () => ({
        PolicyPack: jest.fn((name: string, args: PolicyPackArgs) => constructed.push([name, args])),
      }));
      await import("../../policy/index");
    });
    expect(constructed).toHaveLength(1);
    const [name, args] = constructed[0];
    expect(name).toBe(PACK_NAME);
    expect(args.enforcementLevel).toBe("mandatory");
    expect(args.policies.map((policy) => policy.name)).toEqual(policies.map((p) => p.name));
  });

  it("holds one mandatory policy per enforceable rule", () => {
    expect(policies.map((policy) => [policy.name, policy.enforcementLevel])).toEqual([
      ["no-internet-remote-access", "mandatory"],
      ["no-public-bandwidth-on-hosts", "mandatory"],
      ["ram-policy-names-its-actions", "mandatory"],
      ["project-and-stack-tags", "mandatory"],
    ]);
    // Secretness is invisible to a policy; that rule runs in test/policy/stacks.test.ts.
    expect(TEST_ONLY_RULES).toEqual(["plainSecretViolations"]);
  });

  it("reports each rule's violations through reportViolation", async () => {
    const openRdp = ingressRule({ portRange: "3389/3389", cidrIp: "0.0.0.0/0" });
    expect(await runPolicy("no-internet-remote-access", openRdp)).toEqual([
      expect.stringMatching(/^hpc-rule .*port 3389 to 0\.0\.0\.0\/0/),
    ]);
    const publicHosts = scalingConfiguration({ internetMaxBandwidthOut: 5 });
    expect(await runPolicy("no-public-bandwidth-on-hosts", publicHosts)).toHaveLength(1);
    const wildcard = ramPolicy([{ Effect: "Allow", Action: "ecs:*", Resource: "*" }]);
    expect(await runPolicy("ram-policy-names-its-actions", wildcard)).toHaveLength(1);
    const untagged = scalingConfiguration({ tags: {} });
    expect(await runPolicy("project-and-stack-tags", untagged)).toHaveLength(2);
  });

  it("passes compliant resources", async () => {
    for (const policy of policies) {
      for (const resource of [ingressRule({}), scalingConfiguration(), ramPolicy([])]) {
        expect(await runPolicy(policy.name, resource)).toEqual([]);
      }
    }
  });

  it("lets the stack's policy config allow public bandwidth", async () => {
    const publicHosts = scalingConfiguration({ internetMaxBandwidthOut: 5 });
    const config = { allowPublicBandwidth: true };
    expect(await runPolicy("no-public-bandwidth-on-hosts", publicHosts, config)).toEqual([]);
  });

  it("is runnable by the CLI: PulumiPolicy.yaml (nodejs) and a versioned package.json", () => {
    const manifest = YAML.parse(readFileSync(join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8"));
    expect(manifest.runtime).toBe("nodejs");
    const pkg = JSON.parse(readFileSync(join(POLICY_DIR, "package.json"), "utf8"));
    // PolicyPack reads its version from the pack directory's package.json.
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.main).toBe("index.ts");
  });
});

describe.each(SHIPPED_STACKS)("policy config of %s", (stack) => {
  // A stack without policy/config/<stack>.json gets the pack's defaults.
  const config = policyConfigOf(PROJECT_DIR, stack) as Record<
    string,
    { allowPublicBandwidth?: boolean } | undefined
  >;

  it("names only the pack's policies and their schema's keys", () => {
    for (const [name, settings] of Object.entries(config)) {
      const policy = policies.find((candidate) => candidate.name === name);
      expect(policy).toBeDefined();
      const known = Object.keys(policy?.configSchema?.properties ?? {});
      expect(Object.keys(settings as object).every((key) => known.includes(key))).toBe(true);
    }
  });

  it("allows public bandwidth exactly when the stack gives hosts some", () => {
    const allowed = config["no-public-bandwidth-on-hosts"]?.allowPublicBandwidth === true;
    expect(allowed).toBe(stackConfig(stack).fleet.publicBandwidthMbps > 0);
  });
});
