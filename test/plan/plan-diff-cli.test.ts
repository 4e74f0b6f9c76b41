// `npm run plan -- --diff BASE`, run as a reviewer's CI runs it: between two configs it
// reports exactly the fields that changed (also inside the secret container list and
// user-data, whose secrets stay masked), names the field that forces a replacement, and
// says in one line whether the image is rebuilt and how many hosts roll.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import type { PlanDiff } from "../../tools/plan/diff";
import { runPlanCli } from "../helpers/plan-cli";
import { PROJECT_DIR } from "../helpers/stacks";

type StackDocument = { config: Record<string, Record<string, unknown>> };

/** The dev stack file with `edit` applied, written as Pulumi.dev.yaml in a new directory. */
function devStackWith(edit: (config: StackDocument["config"]) => void): string {
  const document = YAML.parse(
    readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"),
  ) as StackDocument;
  // An existing image, so the hosts' definition is known offline.
  document.config["hpc-fleet:image"] = { existingImageId: "m-2ze0base" };
  edit(document.config);
  const file = join(mkdtempSync(join(tmpdir(), "hpc-diff-")), "Pulumi.dev.yaml");
  writeFileSync(file, YAML.stringify(document));
  return file;
}

/** An existing image instead of the stack's build: the container's image changes. */
const PINNED_IMAGE = `registry-vpc.cn-beijing.aliyuncs.com/hpc-fleet/host-manager:0.2.0@sha256:${"0f".repeat(32)}`;

const base = devStackWith(() => undefined);
const head = devStackWith((config) => {
  config["hpc-fleet:fleet"].instanceCount = 3;
  config["hpc-fleet:fleet"].clientArguments = ["--duration", "3600"];
  config["hpc-fleet:hostManager"] = {
    image: PINNED_IMAGE,
    cpu: 2,
    memoryGb: 4,
  };
});

describe("npm run plan -- --diff", () => {
  let diff: PlanDiff & { base: string };
  let text: string;

  beforeAll(() => {
    const json = runPlanCli("--config-file", head, "--diff", base, "--json");
    expect(json.stderr).not.toMatch(/Plan failed|base plan failed/);
    expect(json.code).toBe(0);
    diff = JSON.parse(json.stdout);
    const human = runPlanCli("--config-file", head, "--diff", base);
    expect(human.code).toBe(0);
    text = human.stdout;
  });

  const changeOf = (type: string) => {
    const change = diff.changes.find((candidate) => candidate.resource.type === type);
    if (!change || (change.kind !== "update" && change.kind !== "replace")) {
      throw new Error(
        `no update or replace of ${type}: ${JSON.stringify(diff.changes.map((c) => [c.kind, c.resource.type]))}`,
      );
    }
    return change;
  };

  test("the instance count changes only the group's size fields", () => {
    const group = changeOf("alicloud:ess/scalingGroup:ScalingGroup");
    expect(group.kind).toBe("update");
    // minSize stays at its default 0, below the count, so it does not follow it.
    expect(group.fields.map((field) => field.path).sort()).toEqual(["desiredCapacity", "maxSize"]);
  });

  test("the container's image shows inside the secret container list, the tokens stay masked", () => {
    const container = changeOf("alicloud:eci/containerGroup:ContainerGroup");
    expect(container.fields).toEqual(
      expect.arrayContaining([
        {
          path: "containers[host-manager].image",
          before: expect.stringMatching(
            /-registry-vpc\.cn-beijing\.cr\.aliyuncs\.com\/hpc-fleet-dev\/host-manager@sha256:[0-9a-f]{64}$/,
          ),
          after: PINNED_IMAGE,
        },
      ]),
    );
    const token = diff.changes
      .flatMap((change) => ("fields" in change ? change.fields : []))
      .find((field) => field.path.endsWith("[HOST_MANAGER_TOKEN].value"));
    expect(token).toBeUndefined();
    expect(JSON.stringify(diff)).not.toMatch(/offline-plan-(generated-)?secret/);
  });

  test("a force-new field shows as a replace that names it", () => {
    const container = changeOf("alicloud:eci/containerGroup:ContainerGroup");
    expect(container.kind).toBe("replace");
    expect(container.forcedBy).toEqual(expect.arrayContaining(["cpu", "memory"]));
    expect(text).toMatch(
      /\+- alicloud:eci\/containerGroup:ContainerGroup .*\(replaced: .*cpu.*forces it\)/,
    );
  });

  test("a client argument shows as the user-data line that changed, the token masked", () => {
    const configuration = changeOf("alicloud:ess/scalingConfiguration:ScalingConfiguration");
    // The generation tag itself is <computed> in a preview (it digests ids only the cloud
    // knows), so the user-data is what shows the change.
    expect(configuration.fields.map((field) => field.path)).toEqual(["userData"]);
    expect(text).toContain('-   "clientArguments": [],');
    expect(text).toMatch(/\+ {3}"clientArguments": \[\s*$/m);
    expect(text).not.toMatch(/fleetToken/);
  });

  test("one line says whether the image is rebuilt and how many hosts roll", () => {
    expect(diff.summary).toMatchObject({ imageRebuild: "no", hostsToRoll: 3 });
    expect(text.split("\n")[1]).toBe(
      "Windows image not rebuilt; 3 hosts rolled by the host-manager (the hosts' userData).",
    );
  });
});

test("--diff against a git ref plans that ref's code and stack file", () => {
  const { code, stdout, stderr } = runPlanCli("--stack", "dev", "--diff", "HEAD");
  expect(stderr).not.toMatch(/Plan failed|base plan failed/);
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Stack dev against git:HEAD \([0-9a-f]{7}\): \d+ to create/);
});
