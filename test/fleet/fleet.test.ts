// The whole program, per shipped stack, as `pulumi up` runs it: config read from the
// runtime, every component wired. Tests named as the rules they hold.
import { ConfigError } from "../../config";
import { TAGGABLE_TYPES } from "../../policy/rules/taggable-types";
import type { RecordedResource } from "../../tools/mocks/recorder";
import {
  findResource,
  isSecretEnvelope,
  mockPassword,
  resourcesOfType,
  plain,
  runStack,
} from "../helpers/mocks";
import { changedInputs } from "../helpers/diff";
import { renderManifest } from "../helpers/packer-manifest";
import { clientFixture } from "../windows-image/fixtures";
import { SHIPPED_STACKS } from "../helpers/stacks";
import { WITHOUT_CERTIFICATE } from "../operator-access/fixtures";
import {
  CONTAINER_GROUP,
  LOCAL_COMMAND,
  NAS_ACCESS_RULE,
  SCALING_CONFIGURATION,
  SCALING_GROUP,
  SECURITY_GROUP_RULE,
} from "../helpers/types";

/** Pretends the operator's client files are present, for stacks that build the image. */
const WITH_IMAGE = { image: { existingImageId: "m-2ze0base" } };

/** The host-manager container's environment variables, secrets revealed. */
function containerEnv(container: RecordedResource): Array<{ key: string; value: string }> {
  const [{ environmentVars }] = plain<
    Array<{ environmentVars: Array<{ key: string; value: string }> }>
  >(container.inputs.containers);
  return environmentVars;
}

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0];
}

describe("the fleet program", () => {
  test("changing instanceCount from 2 to 5 changes the group's desired capacity and nothing else", async () => {
    const two = await runStack("dev", { ...WITH_IMAGE, fleet: { instanceCount: 2, maxSize: 10 } });
    const five = await runStack("dev", { ...WITH_IMAGE, fleet: { instanceCount: 5, maxSize: 10 } });
    expect(changedInputs(two.resources, five.resources)).toEqual({
      [`${SCALING_GROUP}::hpc-dev-hosts-group`]: ["desiredCapacity"],
    });
  });

  test("a new image changes the hosts' definition and generation, and tells the host-manager to roll them", async () => {
    const before = await runStack("dev", { image: { existingImageId: "m-2ze0old" } });
    const after = await runStack("dev", { image: { existingImageId: "m-2ze0new" } });
    const changes = changedInputs(before.resources, after.resources);
    expect(Object.keys(changes).sort()).toEqual(
      [
        `${SCALING_CONFIGURATION}::hpc-dev-hosts-config`,
        `${CONTAINER_GROUP}::hpc-dev-host-manager-container`,
      ].sort(),
    );
    expect(changes[`${SCALING_CONFIGURATION}::hpc-dev-hosts-config`]).toEqual(["imageId", "tags"]);
    const generation = (resources: readonly RecordedResource[]) => {
      const tags = plain<Record<string, string>>(
        only(resourcesOfType(resources, SCALING_CONFIGURATION)).inputs.tags,
      );
      const environmentVars = containerEnv(only(resourcesOfType(resources, CONTAINER_GROUP)));
      const told = environmentVars.find(
        (variable) => variable.key === "HOST_MANAGER_FLEET_GENERATION",
      )?.value;
      return { tagged: tags["hpc-fleet-generation"], told };
    };
    const next = generation(after.resources);
    expect(next.told).toBe(next.tagged);
    expect(next.tagged).not.toBe(generation(before.resources).tagged);
    expect(resourcesOfType(after.resources, SCALING_GROUP)[0].inputs).toEqual(
      resourcesOfType(before.resources, SCALING_GROUP)[0].inputs,
    );
  });

  test.each(SHIPPED_STACKS)(
    "%s: WinRM and RDP are never open to the whole internet, and 5985 never at all",
    async (stack) => {
      const { resources } = await runStack(stack, WITH_IMAGE);
      const rules = resourcesOfType(resources, SECURITY_GROUP_RULE);
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        const [from, to] = String(rule.inputs.portRange).split("/").map(Number);
        const covers = (port: number) => from <= port && port <= to;
        expect(covers(5985)).toBe(false);
        if ([3389, 5986].some(covers)) expect(String(rule.inputs.cidrIp ?? "")).not.toMatch(/\/0$/);
      }
    },
  );

  test.each(SHIPPED_STACKS)(
    "%s: the fleet token reaches the host-manager, only as a secret, and no host",
    async (stack) => {
      const { resources } = await runStack(stack, WITH_IMAGE);
      const configuration = only(resourcesOfType(resources, SCALING_CONFIGURATION));
      const container = only(resourcesOfType(resources, CONTAINER_GROUP));
      expect(isSecretEnvelope(configuration.inputs.password)).toBe(true);
      expect(isSecretEnvelope(container.inputs.containers)).toBe(true);
      const environmentVars = containerEnv(container);
      const token = environmentVars.find(
        (variable) => variable.key === "HOST_MANAGER_TOKEN",
      )?.value;
      expect(token).toBeTruthy();
      expect(plain<string>(configuration.inputs.userData)).not.toContain(String(token));
      expect(plain<string>(configuration.inputs.userData)).toContain(
        "https://host-manager.hpc-fleet.internal:8080",
      );
    },
  );

  test("the hosts launch only once the host-manager is up: the enabling configuration waits for it", async () => {
    const { resources } = await runStack("dev", WITH_IMAGE);
    const configuration = only(resourcesOfType(resources, SCALING_CONFIGURATION));
    expect(configuration.inputs.enable).toBe(true);
    expect(configuration.options?.dependsOn).toEqual([
      "hpc:host-manager:HostManager::hpc-dev-host-manager",
    ]);
    // The group itself comes first: the host-manager needs its id, and it launches nothing
    // until a configuration enables it.
    expect(only(resourcesOfType(resources, SCALING_GROUP)).options?.dependsOn).toBeUndefined();
  });

  test("the host-manager's NAS admits its vSwitch: the planned block, or an existing vSwitch's own", async () => {
    const sourceOf = (resources: readonly RecordedResource[]) =>
      only(resourcesOfType(resources, NAS_ACCESS_RULE)).inputs.sourceCidrIp;
    const created = await runStack("dev", WITH_IMAGE);
    expect(sourceOf(created.resources)).toBe("10.42.0.0/20");
    // The config's vSwitchCidrs only guess an existing vSwitch's block: ask the cloud.
    const existing = await runStack(
      "dev",
      {
        ...WITH_IMAGE,
        // The endpoint off: it would need the vSwitches' blocks, which this test leaves out.
        ...WITHOUT_CERTIFICATE,
        network: { existingVpcId: "vpc-2ze0abc", existingVSwitchIds: ["vsw-h", "vsw-i"] },
      },
      {
        calls: {
          "alicloud:vpc/getSwitches:getSwitches": (inputs) => {
            expect(inputs.ids).toEqual(["vsw-h"]);
            return { ids: ["vsw-h"], vswitches: [{ id: "vsw-h", cidrBlock: "172.16.8.0/24" }] };
          },
        },
      },
    );
    expect(sourceOf(existing.resources)).toBe("172.16.8.0/24");
  });

  test.each(SHIPPED_STACKS)(
    "%s: the host-manager watches this stack's scaling group",
    async (stack) => {
      const { resources } = await runStack(stack, WITH_IMAGE);
      const group = only(resourcesOfType(resources, SCALING_GROUP));
      const container = only(resourcesOfType(resources, CONTAINER_GROUP));
      const environmentVars = containerEnv(container);
      const watched = environmentVars.find(
        (variable) => variable.key === "HOST_MANAGER_SCALING_GROUP_ID",
      );
      expect(watched?.value).toBe(`${group.name}-id`);
    },
  );

  test.each(SHIPPED_STACKS)(
    "%s: every resource that takes tags carries the project and stack tags",
    async (stack) => {
      const { resources } = await runStack(stack, WITH_IMAGE);
      // Every resource whose type takes tags (the provider's own list), not only those that
      // happen to set them: a resource that forgets its tags fails here.
      const tagged = resources.filter((resource) => TAGGABLE_TYPES.has(resource.type));
      expect(tagged.length).toBeGreaterThan(10);
      for (const resource of tagged) {
        expect({ name: resource.name, tags: plain(resource.inputs.tags) }).toMatchObject({
          tags: { project: "hpc-fleet", stack, Name: resource.name },
        });
      }
    },
  );

  test("cloud names carry the stack, so two stacks in one account never collide", async () => {
    const dev = await runStack("dev", WITH_IMAGE);
    const prod = await runStack("prod-cn-hangzhou", WITH_IMAGE);
    const names = (resources: readonly RecordedResource[]) =>
      new Set(
        resources
          .filter((resource) => resource.type.startsWith("alicloud:"))
          .map((resource) => resource.name),
      );
    const shared = [...names(dev.resources)].filter((name) => names(prod.resources).has(name));
    expect(shared).toEqual([]);
  });

  test("the image is built in the network's VPC, on its first vSwitch, in the build group", async () => {
    const fixture = clientFixture();
    try {
      const manifest = renderManifest([{ region: "cn-beijing", imageId: "m-2zebuilt" }]);
      const { resources } = await runStack(
        "dev",
        { image: { clientSourceDir: fixture.clientDir } },
        { cloudOutputs: { [LOCAL_COMMAND]: () => ({ stdout: manifest }) } },
      );
      const build = only(resourcesOfType(resources, LOCAL_COMMAND));
      expect(plain(build.inputs.environment)).toMatchObject({
        PKR_VAR_vpc_id: "hpc-dev-network-vpc-id",
        PKR_VAR_vswitch_id: "hpc-dev-network-vsw-cn-beijing-h-id",
        PKR_VAR_security_group_id: "hpc-dev-network-sg-packer-build-id",
      });
    } finally {
      fixture.remove();
    }
  });

  test("a client file the image cannot find is reported under its config key", async () => {
    // The operator's binaries are not in the repository, so a real build finds none.
    const run = runStack("dev");
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow(
      /hpc-fleet:image\.clientFiles\[0\]\.source: no file at .*hpc-client\.exe/,
    );
  });

  test("bad config declares nothing: the program stops at the config", async () => {
    let resources: readonly RecordedResource[] = [];
    const run = runStack("dev", { fleet: { instanceCount: -1 } }).then((result) => {
      resources = result.resources;
    });
    await expect(run).rejects.toThrow(ConfigError);
    expect(resources.filter((resource) => resource.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });
});

test("the stack exports the fleet token and the first operator's token only as secrets", async () => {
  const { outputs } = await runStack("dev", WITH_IMAGE, { preview: true });
  const { redactOutput } = await import("../../tools/mocks/values");
  const shown = (await redactOutput(outputs)) as Record<string, unknown>;
  expect(shown.fleetToken).toBe("[secret]");
  expect(shown.operatorToken).toBe("[secret]");
  expect(
    Object.entries(shown)
      .filter(([, value]) => value === "[secret]")
      .map(([key]) => key)
      .sort(),
  ).toEqual(["fleetToken", "operatorToken"]);
});

test.each(SHIPPED_STACKS)(
  "%s: the host-manager seeds the first operator from its own secret, which no host gets",
  async (stack) => {
    const { resources } = await runStack(stack, WITH_IMAGE);
    const container = only(resourcesOfType(resources, CONTAINER_GROUP));
    expect(isSecretEnvelope(container.inputs.containers)).toBe(true);
    const env = Object.fromEntries(
      containerEnv(container).map((variable) => [variable.key, variable.value]),
    );
    const token = mockPassword(`hpc-${stack}-operator-token`, 48);
    expect(env.HOST_MANAGER_SEED_OPERATOR_NAME).toBe("first-operator");
    expect(env.HOST_MANAGER_SEED_OPERATOR_TOKEN).toBe(token);
    expect(env.HOST_MANAGER_TOKEN).not.toBe(token);
    const configuration = only(resourcesOfType(resources, SCALING_CONFIGURATION));
    expect(plain<string>(configuration.inputs.userData)).not.toContain(token);
  },
);

describe("fleet token rotation (hosts carry the token only with hostManager.legacyFleetToken)", () => {
  async function tokensSeen(slot: "a" | "b") {
    const { resources } = await runStack("dev", {
      ...WITH_IMAGE,
      fleet: { activeTokenSlot: slot },
      hostManager: { legacyFleetToken: true },
    });
    const configuration = only(resourcesOfType(resources, SCALING_CONFIGURATION));
    const environmentVars = containerEnv(only(resourcesOfType(resources, CONTAINER_GROUP)));
    const env = Object.fromEntries(
      environmentVars.map((variable) => [variable.key, variable.value]),
    );
    return {
      hosts: /"fleetToken": "([^"]+)"/.exec(plain<string>(configuration.inputs.userData))?.[1],
      current: env.HOST_MANAGER_TOKEN,
      previous: env.HOST_MANAGER_TOKEN_PREVIOUS,
      generation: plain<Record<string, string>>(configuration.inputs.tags)["hpc-fleet-generation"],
    };
  }

  test("the hosts carry the active slot's token and the host-manager accepts both slots", async () => {
    const a = await tokensSeen("a");
    expect(a.hosts).toBe(mockPassword("hpc-dev-fleet-token-a", 48));
    expect(a.current).toBe(a.hosts);
    expect(a.previous).toBe(mockPassword("hpc-dev-fleet-token-b", 48));
  });

  test("flipping the slot moves the hosts to the other token and rolls them", async () => {
    const a = await tokensSeen("a");
    const b = await tokensSeen("b");
    expect(b.hosts).toBe(mockPassword("hpc-dev-fleet-token-b", 48));
    expect(b.previous).toBe(a.hosts);
    expect(b.generation).not.toBe(a.generation);
  });
});

describe("component type tokens", () => {
  // Renaming a token changes the URN of the component and of every child: without the
  // alias, `pulumi up` on an existing stack would delete and recreate the whole fleet.
  test.each([
    ["hpc:network:Network", "hpc-dev-network", []],
    ["hpc:windows-image:WindowsImage", "hpc-dev-image", [{ type: "hpc:image:WindowsImage" }]],
    ["hpc:instance-group:InstanceGroup", "hpc-dev-hosts", [{ type: "hpc:fleet:InstanceGroup" }]],
    [
      "hpc:host-manager:HostManager",
      "hpc-dev-host-manager",
      [{ type: "hpc:hostmanager:HostManager" }],
    ],
  ])("%s (%s) is aliased to its former token", async (type, name, aliases) => {
    const { resources } = await runStack("dev", WITH_IMAGE);
    expect(findResource(resources, type, name).options?.aliases ?? []).toEqual(aliases);
  });
});
