// Every rule, the pack's and the test-only secrets rule, on what the program declares
// for each shipped stack under mocks: all must pass. The mocks keep secrets as envelopes,
// so here (unlike in the pack) a plain-text password or token is visible.
import {
  ingressViolations,
  plain,
  plainSecretViolations,
  PolicyResource,
  publicBandwidthViolations,
  ramActionViolations,
  requiredTagViolations,
} from "../../policy/rules";
import { runStack } from "../helpers/mocks";
import { SHIPPED_STACKS, stackConfig } from "../helpers/stacks";
import {
  CONTAINER_GROUP,
  RAM_POLICY,
  RANDOM_PASSWORD,
  SCALING_CONFIGURATION,
  SECURITY_GROUP_RULE,
} from "../helpers/types";

/**
 * The operator's client files are not in the repository, so the image is taken as built
 * (as test/fleet does); the Packer build's own resources are not checked here.
 */
const WITH_IMAGE = { image: { existingImageId: "m-2ze0base" } };

/** Random passwords get a value, as in the cloud, so a plain one would be a string to see. */
const cloudOutputs = {
  [RANDOM_PASSWORD]: (_inputs: unknown, name: string) => ({
    result: `mock-${name}`,
  }),
};

/** The types each rule exists for: a run without them would check nothing. */
const GUARDED_TYPES = [SECURITY_GROUP_RULE, SCALING_CONFIGURATION, RAM_POLICY, CONTAINER_GROUP];

describe.each(SHIPPED_STACKS)("the %s stack", (stack) => {
  let resources: PolicyResource[];

  beforeAll(async () => {
    const run = await runStack(stack, WITH_IMAGE, { preview: false, cloudOutputs });
    resources = run.resources.map(({ type, name, inputs }) => ({ type, name, props: inputs }));
  });

  it("declares the resources the rules guard", () => {
    const types = new Set(resources.map((resource) => resource.type));
    expect(GUARDED_TYPES.filter((type) => !types.has(type))).toEqual([]);
  });

  it("opens no remote access to the internet and never plain-HTTP WinRM", () => {
    expect(resources.flatMap((resource) => ingressViolations(resource))).toEqual([]);
  });

  it("gives hosts public bandwidth only as its config allows", () => {
    const allowPublicBandwidth = stackConfig(stack).fleet.publicBandwidthMbps > 0;
    const violations = resources.flatMap((resource) =>
      publicBandwidthViolations(resource, { allowPublicBandwidth }),
    );
    expect(violations).toEqual([]);
  });

  it("allows only named RAM actions", () => {
    expect(resources.flatMap((resource) => ramActionViolations(resource))).toEqual([]);
  });

  it("tags every taggable resource with this project and stack", () => {
    const expected = { project: "hpc-fleet", stack };
    expect(resources.flatMap((resource) => requiredTagViolations(resource, { expected }))).toEqual(
      [],
    );
  });

  it("passes passwords and tokens only as secrets", () => {
    expect(resources.flatMap((resource) => plainSecretViolations(resource))).toEqual([]);
  });

  it("would see the hosts' password and the fleet token if they were plain", () => {
    // Strips every secret envelope: the check above must be looking at real values.
    const stripped = resources.map((resource) => ({
      ...resource,
      props: plain(resource.props) as Record<string, unknown>,
    }));
    const messages = stripped.flatMap((resource) => plainSecretViolations(resource)).join("\n");
    expect(messages).toMatch(/ScalingConfiguration\): password is a plain-text password/);
    expect(messages).toMatch(/env var HOST_MANAGER_TOKEN .* is plain text/);
  });
});
