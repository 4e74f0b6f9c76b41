// `npm run plan -- --policy`: the mandatory policy pack, run on the offline plan, refuses
// what `pulumi preview --policy-pack policy` would refuse, before any cloud call; what it
// cannot check in a preview (a value known only after `up`) it says, as the engine does.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { policyConfigOf, policyViolations } from "../../tools/plan/policy";
import { runStack } from "../helpers/mocks";
import { PROJECT_DIR, SHIPPED_STACKS } from "../helpers/stacks";
import { runPlanCli } from "../helpers/plan-cli";

const WITH_IMAGE = { image: { existingImageId: "m-2ze0base" } };

test.each(SHIPPED_STACKS)("%s: the shipped stack passes the pack", async (stack) => {
  const { resources } = await runStack(stack, WITH_IMAGE);
  const violations = await policyViolations(resources, policyConfigOf(PROJECT_DIR, stack));
  expect(violations.filter((violation) => violation.enforcement === "mandatory")).toEqual([]);
});

test("public bandwidth on the hosts is refused unless the stack's policy config allows it", async () => {
  const { resources } = await runStack("dev", {
    ...WITH_IMAGE,
    fleet: { publicBandwidthMbps: 10 },
  });
  const refused = await policyViolations(resources, policyConfigOf(PROJECT_DIR, "dev"));
  expect(refused).toEqual([
    expect.objectContaining({
      policy: "no-public-bandwidth-on-hosts",
      resource: "hpc-dev-hosts-config",
      enforcement: "mandatory",
    }),
  ]);
  const allowed = await policyViolations(resources, {
    "no-public-bandwidth-on-hosts": { allowPublicBandwidth: true },
  });
  expect(allowed).toEqual([]);
});

test("in a preview, a policy that reads a value known only after up is reported as not run", async () => {
  const { resources } = await runStack("dev", WITH_IMAGE, { preview: true });
  const violations = await policyViolations(resources, policyConfigOf(PROJECT_DIR, "dev"));
  expect(violations.filter((violation) => violation.enforcement === "mandatory")).toEqual([]);
  expect(violations).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        policy: "project-and-stack-tags",
        resource: "hpc-dev-hosts-config",
        enforcement: "advisory",
        message: expect.stringMatching(/can't run during preview: .*\.tags/),
      }),
    ]),
  );
});

test("`--policy` exits 0 on a stack the pack accepts and 1 on one it refuses, naming the policy", () => {
  const accepted = runPlanCli("--stack", "dev", "--policy");
  expect(accepted.code).toBe(0);
  expect(accepted.stdout).toContain("Policy pack: no violations.");
  const dir = mkdtempSync(join(tmpdir(), "hpc-policy-"));
  const file = join(dir, "Pulumi.dev.yaml");
  writeFileSync(
    file,
    readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8").replace(
      "    instanceCount: 2\n",
      "    instanceCount: 2\n    publicBandwidthMbps: 10\n",
    ),
  );
  const refused = runPlanCli("--config-file", file, "--policy");
  expect(refused.code).toBe(1);
  expect(refused.stdout).toMatch(
    /Policy pack: 1 violation \(mandatory\):\n {2}no-public-bandwidth-on-hosts: /,
  );
});
