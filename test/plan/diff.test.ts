// The plan diff a reviewer reads: field-level changes, replacements named by the field
// that forces them, secrets masked at their value, and the image/rollout summary line.
import * as pulumi from "@pulumi/pulumi";
import { diffPlans, fieldChanges } from "../../tools/plan/diff";
import { forcesReplacement } from "../../tools/plan/force-new";
import type { Plan, PlannedResource } from "../../tools/plan/plan";
import { renderDiff, summaryLine } from "../../tools/plan/render-diff";
import { presentInputs } from "../../tools/plan/secrets";

const CONTAINER = "alicloud:eci/containerGroup:ContainerGroup";
const SCALING_GROUP = "alicloud:ess/scalingGroup:ScalingGroup";
const CONFIGURATION = "alicloud:ess/scalingConfiguration:ScalingConfiguration";
const COMMAND = "command:local:Command";

/** A secret input as the mocks receive it. */
function secretEnvelope(value: unknown): Record<string, unknown> {
  return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

function resource(type: string, name: string, inputs: Record<string, unknown>): PlannedResource {
  return { type, name, parent: null, inputs };
}

function plan(...resources: PlannedResource[]): Plan {
  return { stack: "dev", resources, outputs: {} };
}

const TOKEN = "offline-secret-hpc-dev-fleet-token-a";
const SOURCES = new Map([[TOKEN, "hpc-dev-fleet-token-a"]]);

describe("secrets are masked at their value", () => {
  test("a secret container list shows its image while the token inside stays masked", () => {
    const containers = secretEnvelope([
      {
        image: "registry/hpc-fleet/host-manager:0.2.0",
        environmentVars: [
          { key: "HOST_MANAGER_PORT", value: "8080" },
          { key: "HOST_MANAGER_TOKEN", value: TOKEN },
        ],
      },
    ]);
    expect(presentInputs({ containers }, SOURCES)).toEqual({
      containers: [
        {
          image: "registry/hpc-fleet/host-manager:0.2.0",
          environmentVars: [
            { key: "HOST_MANAGER_PORT", value: "8080" },
            { key: "HOST_MANAGER_TOKEN", value: "[secret:hpc-dev-fleet-token-a]" },
          ],
        },
      ],
    });
  });

  test("a secret inside a longer text (the user-data) is masked where it appears", () => {
    const userData = secretEnvelope(`{\n  "fleetToken": "${TOKEN}",\n  "heartbeatSeconds": 60\n}`);
    const shown = presentInputs({ userData }, SOURCES) as { userData: string };
    expect(shown.userData).toContain('"fleetToken": "[secret:hpc-dev-fleet-token-a]"');
    expect(shown.userData).toContain('"heartbeatSeconds": 60');
    expect(JSON.stringify(shown)).not.toContain(TOKEN);
  });

  test("a value marked secret that holds no known secret stays hidden as a whole", () => {
    expect(presentInputs({ password: secretEnvelope("from-somewhere-else") }, SOURCES)).toEqual({
      password: "[secret]",
    });
  });

  test("unknown values show as <computed>", () => {
    expect(presentInputs({ vpcId: pulumi.runtime.unknownValue }, SOURCES)).toEqual({
      vpcId: "<computed>",
    });
  });
});

describe("field changes", () => {
  test("environment variables are compared by name, not by position", () => {
    const before = {
      env: [
        { key: "A", value: "1" },
        { key: "B", value: "2" },
      ],
    };
    const after = {
      env: [
        { key: "Z", value: "0" },
        { key: "A", value: "1" },
        { key: "B", value: "3" },
      ],
    };
    expect(fieldChanges(before, after)).toEqual([
      { path: "env[B].value", before: "2", after: "3" },
      { path: "env[Z].key", before: undefined, after: "Z" },
      { path: "env[Z].value", before: undefined, after: "0" },
    ]);
  });

  test("force-new fields are matched through list elements", () => {
    expect(forcesReplacement(CONTAINER, "containers[host-manager].name")).toBe(true);
    expect(forcesReplacement(CONTAINER, "containers[host-manager].image")).toBe(false);
    expect(forcesReplacement(CONTAINER, "cpu")).toBe(true);
    expect(forcesReplacement(SCALING_GROUP, "multiAzPolicy")).toBe(true);
    expect(forcesReplacement(SCALING_GROUP, "desiredCapacity")).toBe(false);
    expect(forcesReplacement("random:index/randomPassword:RandomPassword", "length")).toBe(true);
  });
});

describe("diffPlans", () => {
  const group = (desiredCapacity: number, multiAzPolicy = "BALANCE") =>
    resource(SCALING_GROUP, "hpc-dev-hosts-group", { desiredCapacity, multiAzPolicy });
  const configuration = (userData: string) =>
    resource(CONFIGURATION, "hpc-dev-hosts-config", { userData, imageId: "m-1" });
  const container = (image: string) =>
    resource(CONTAINER, "hpc-dev-host-manager-container", {
      containers: [{ name: "host-manager", image }],
    });

  test("creates, updates, replaces and deletes, each with the fields that changed", () => {
    const base = plan(
      group(2),
      container("hm:0.1.0"),
      resource("alicloud:vpc/network:Network", "old-vpc", {}),
    );
    const head = plan(
      group(2, "COMPOSABLE"),
      container("hm:0.2.0"),
      resource("alicloud:vpc/switch:Switch", "new-vsw", { zoneId: "cn-beijing-h" }),
    );
    const { changes, summary } = diffPlans(base, head);
    expect(changes.map((change) => [change.kind, change.resource.name])).toEqual([
      ["replace", "hpc-dev-hosts-group"],
      ["update", "hpc-dev-host-manager-container"],
      ["create", "new-vsw"],
      ["delete", "old-vpc"],
    ]);
    const replace = changes[0];
    expect(replace.kind === "replace" && replace.forcedBy).toEqual(["multiAzPolicy"]);
    const update = changes[1];
    expect(update.kind === "update" && update.fields).toEqual([
      { path: "containers[host-manager].image", before: "hm:0.1.0", after: "hm:0.2.0" },
    ]);
    expect(summary).toMatchObject({ create: 1, update: 1, replace: 1, delete: 1 });
  });

  test("a renamed type with an alias is the same resource, not a delete and a create", () => {
    const base = plan(resource("hpc:image:WindowsImage", "hpc-dev-image", {}));
    const head = plan({
      ...resource("hpc:windows-image:WindowsImage", "hpc-dev-image", {}),
      aliases: [{ type: "hpc:image:WindowsImage", name: "hpc-dev-image" }],
    });
    expect(diffPlans(base, head).changes).toEqual([]);
  });

  test("a change to the hosts' user-data rolls every host, and says why", () => {
    const base = plan(group(4), configuration("args: []"));
    const head = plan(group(4), configuration('args: ["--duration", "3600"]'));
    const { summary } = diffPlans(base, head);
    expect(summary).toMatchObject({ imageRebuild: "no", hostsToRoll: 4 });
    expect(summaryLine(summary)).toBe(
      "Windows image not rebuilt; 4 hosts rolled by the host-manager (the hosts' userData).",
    );
  });

  test("a count change rolls no host", () => {
    const { summary } = diffPlans(
      plan(group(2), configuration("x")),
      plan(group(5), configuration("x")),
    );
    expect(summary).toMatchObject({ hostsToRoll: 0, rollReason: null, update: 1 });
  });

  test("a changed build rebuilds the image and rolls the hosts; unknown triggers say so", () => {
    const build = (triggers: unknown[]) => resource(COMMAND, "hpc-dev-image-build", { triggers });
    const changed = diffPlans(plan(group(2), build(["a"])), plan(group(2), build(["b"]))).summary;
    expect(changed).toMatchObject({
      imageRebuild: "yes",
      hostsToRoll: 2,
      rollReason: "a new image",
    });
    const unknown = diffPlans(
      plan(group(2), build(["<computed>"])),
      plan(group(2), build(["<computed>"])),
    );
    expect(unknown.summary).toMatchObject({ imageRebuild: "unknown", hostsToRoll: "unknown" });
  });

  test("a multi-line text is shown as the lines that changed", () => {
    const base = plan(configuration("[powershell]\r\nline one\r\nargs: []\r\n"));
    const head = plan(configuration('[powershell]\r\nline one\r\nargs: ["--fast"]\r\n'));
    const text = renderDiff(diffPlans(base, head), "main");
    expect(text).toContain(
      "~ alicloud:ess/scalingConfiguration:ScalingConfiguration  hpc-dev-hosts-config",
    );
    expect(text).toContain("      - args: []");
    expect(text).toContain('      + args: ["--fast"]');
    expect(text).not.toContain("line one");
  });
});
