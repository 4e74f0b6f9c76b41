// The InstanceGroup under Pulumi's mocks, wired to a Network as the fleet wires it.
import { TAGGABLE_TYPES } from "../../policy/rules";
import type { RecordedResource } from "../../tools/mocks/recorder";
import {
  findResource,
  isSecretEnvelope,
  redactInputs,
  resourcesOfType,
  plain,
} from "../helpers/mocks";
import { forcesReplacement } from "../../tools/plan/force-new";
import { changedInputs } from "../helpers/diff";
import { SHIPPED_STACKS, stackConfig } from "../helpers/stacks";
import {
  GENERATION_TAG,
  InstanceGroup,
  instanceGroupArgProblems,
} from "../../components/instance-group";
import {
  INSTANCE_REFRESH,
  RANDOM_ID,
  RANDOM_PASSWORD,
  SCALING_CONFIGURATION,
  SCALING_GROUP,
} from "../helpers/types";
import { TEST_CA_CERT_PEM } from "../helpers/ca-cert";
import { HOST_MANAGER_URL, hostArgs, PASSWORD, runHosts } from "./declare";

describe("InstanceGroup", () => {
  it("changing instanceCount from 2 to 5 changes only the group's size fields", async () => {
    const before = await runHosts(stackConfig("dev", { fleet: { instanceCount: 2 } }));
    const after = await runHosts(stackConfig("dev", { fleet: { instanceCount: 5 } }));
    expect(changedInputs(before.resources, after.resources)).toEqual({
      [`${SCALING_GROUP}::hpc-group`]: ["desiredCapacity", "maxSize"],
    });
  });

  it("a new image changes the scaling configuration and its generation tag, not the group", async () => {
    const config = stackConfig("dev");
    const before = await runHosts(config, "m-base0001");
    const after = await runHosts(config, "m-base0002");
    expect(changedInputs(before.resources, after.resources)).toEqual({
      [`${SCALING_CONFIGURATION}::hpc-config`]: ["imageId", "tags"],
    });
    const generationOf = (resources: readonly RecordedResource[]) =>
      plain<Record<string, string>>(
        findResource(resources, SCALING_CONFIGURATION, "hpc-config").inputs.tags,
      )[GENERATION_TAG];
    expect(generationOf(after.resources)).toMatch(/^[0-9a-f]{16}$/);
    expect(generationOf(after.resources)).not.toBe(generationOf(before.resources));
  });

  it("a new host-manager URL, CA or legacy token makes every host outdated; a count change does not", async () => {
    const config = stackConfig("dev");
    const generation = async (overrides: Parameters<typeof runHosts>[3]) => {
      const { resources } = await runHosts(config, "m-base0001", false, overrides);
      return plain<Record<string, string>>(
        findResource(resources, SCALING_CONFIGURATION, "hpc-config").inputs.tags,
      )[GENERATION_TAG];
    };
    const base = await generation({});
    expect(await generation({ legacyFleetToken: "a-token" })).not.toBe(base);
    expect(await generation({ hostManagerUrl: "https://elsewhere:8080" })).not.toBe(base);
    const otherCa = TEST_CA_CERT_PEM.replace(/\n-----END/, "AAAA\n-----END");
    expect(await generation({ hostManagerCaCertPem: otherCa })).not.toBe(base);
    const bigger = await runHosts(
      stackConfig("dev", { fleet: { instanceCount: 5, maxSize: 5 } }),
      "m-base0001",
    );
    expect(
      plain<Record<string, string>>(
        findResource(bigger.resources, SCALING_CONFIGURATION, "hpc-config").inputs.tags,
      )[GENERATION_TAG],
    ).toBe(base);
  });

  it("keeps the hosts' password's inputs as first generated, so no stack's password is replaced", async () => {
    const { resources } = await runHosts(stackConfig("dev"));
    expect(findResource(resources, RANDOM_PASSWORD, "hpc-admin-password").inputs).toEqual({
      length: 24,
      special: true,
      overrideSpecial: "!#%*+-=.?",
      minUpper: 2,
      minLower: 2,
      minNumeric: 2,
      minSpecial: 2,
    });
  });

  it("names the group and the configuration with a suffix that changes with their force-new inputs", async () => {
    const { resources } = await runHosts(stackConfig("dev"));
    const group = findResource(resources, SCALING_GROUP, "hpc-group");
    const configuration = findResource(resources, SCALING_CONFIGURATION, "hpc-config");
    expect(group.inputs.scalingGroupName).toMatch(/^hpc-group-[0-9a-f]{6}$/);
    expect(configuration.inputs.scalingConfigurationName).toMatch(/^hpc-config-[0-9a-f]{6}$/);
    expect(findResource(resources, RANDOM_ID, "hpc-group-suffix").inputs).toEqual({
      byteLength: 3,
      keepers: { multiAzPolicy: "BALANCE" },
    });
    // The configuration's force-new input is the hosts' password: kept, but as a secret.
    const { keepers } = findResource(resources, RANDOM_ID, "hpc-config-suffix").inputs;
    expect(isSecretEnvelope(keepers)).toBe(true);
    expect(plain(keepers)).toEqual({ password: PASSWORD });
  });

  it("a change of zone policy, which replaces the group, gives the new group a new name", async () => {
    const balanced = await runHosts(stackConfig("dev"));
    // Mixing on-demand into dev's all-spot fleet moves the group to COMPOSABLE (ForceNew).
    const mixed = await runHosts(
      stackConfig("dev", { fleet: { spot: { onDemandPercentageAboveBase: 50 } } }),
    );
    const nameOf = (resources: readonly RecordedResource[]) =>
      findResource(resources, SCALING_GROUP, "hpc-group").inputs.scalingGroupName;
    expect(nameOf(mixed.resources)).not.toBe(nameOf(balanced.resources));
    expect(forcesReplacement(SCALING_GROUP, "multiAzPolicy")).toBe(true);
    // The names themselves change in place: giving a stack's group its suffix replaces nothing.
    expect(forcesReplacement(SCALING_GROUP, "scalingGroupName")).toBe(false);
    expect(forcesReplacement(SCALING_CONFIGURATION, "scalingConfigurationName")).toBe(false);
  });

  it("declares no ESS instance refresh: it fails on an empty group and forbids zone balance", async () => {
    const { resources } = await runHosts(stackConfig("dev"));
    expect(resourcesOfType(resources, INSTANCE_REFRESH)).toEqual([]);
  });

  it.each(SHIPPED_STACKS)(
    "the password is secret; the user-data holds no secret, so it is not one (%s)",
    async (stack) => {
      const { resources } = await runHosts(stackConfig(stack));
      const inputs = findResource(resources, SCALING_CONFIGURATION, "hpc-config").inputs;
      expect(redactInputs(inputs)).toMatchObject({ password: "[secret]", passwordInherit: false });
      expect(isSecretEnvelope(inputs.userData)).toBe(false);
      const userData = plain<string>(inputs.userData);
      expect(userData).toContain(`"hostManagerUrl": "${HOST_MANAGER_URL}"`);
      expect(userData).toContain(JSON.stringify(TEST_CA_CERT_PEM));
      expect(userData).not.toMatch(/token|secret|password/i);
      expect(userData).not.toContain(PASSWORD);
    },
  );

  it("with the stack's legacy fleet token, the user-data carries it and is a secret", async () => {
    const { resources } = await runHosts(stackConfig("dev"), "m-base0001", false, {
      legacyFleetToken: "legacy-token-1234",
    });
    const inputs = findResource(resources, SCALING_CONFIGURATION, "hpc-config").inputs;
    expect(isSecretEnvelope(inputs.userData)).toBe(true);
    expect(plain<string>(inputs.userData)).toContain('"fleetToken": "legacy-token-1234"');
  });

  it("the scaling configuration boots the image with the hosts' group, types in order, no public IP", async () => {
    const config = stackConfig("prod-cn-hangzhou");
    const { resources } = await runHosts(config);
    expect(findResource(resources, SCALING_CONFIGURATION, "hpc-config").inputs).toMatchObject({
      scalingGroupId: "hpc-group-id",
      imageId: "m-base0001",
      instanceTypes: ["ecs.c7.4xlarge", "ecs.c6.4xlarge", "ecs.c7a.4xlarge"],
      securityGroupIds: ["hpc-sg-hosts-id"],
      systemDiskCategory: "cloud_essd",
      systemDiskSize: 100,
      internetChargeType: "PayByTraffic",
      internetMaxBandwidthOut: 0,
      hostName: "hpchz-(AUTO_INCREMENT)[1,6]",
      active: true,
      enable: true,
    });
  });

  it("spreads the group over every vSwitch, in zone order", async () => {
    const config = stackConfig("prod-cn-hangzhou");
    const { resources } = await runHosts(config);
    expect(findResource(resources, SCALING_GROUP, "hpc-group").inputs.vswitchIds).toEqual(
      config.network.zones.map((zone) => `hpc-vsw-${zone}-id`),
    );
  });

  it("spot and on-demand settings reach the group as configured (prod-cn-hangzhou mixes them)", async () => {
    const { resources } = await runHosts(stackConfig("prod-cn-hangzhou"));
    expect(findResource(resources, SCALING_GROUP, "hpc-group").inputs).toMatchObject({
      multiAzPolicy: "COMPOSABLE",
      azBalance: true,
      allocationStrategy: "priority",
      // Both pairs, alike: the provider always sends the plain one, so it must agree.
      onDemandBaseCapacity: 50,
      onDemandPercentageAboveBaseCapacity: 30,
      capacityOptionsOnDemandBaseCapacity: 50,
      capacityOptionsOnDemandPercentageAboveBaseCapacity: 30,
      groupDeletionProtection: true,
      removalPolicies: ["OldestScalingConfiguration", "OldestInstance"],
    });
    expect(findResource(resources, SCALING_CONFIGURATION, "hpc-config").inputs).toMatchObject({
      spotStrategy: "SpotWithPriceLimit",
      spotPriceLimits: [
        { instanceType: "ecs.c7.4xlarge", priceLimit: 1.2 },
        { instanceType: "ecs.c6.4xlarge", priceLimit: 1.1 },
        { instanceType: "ecs.c7a.4xlarge", priceLimit: 1.0 },
      ],
    });
  });

  it("spot and on-demand settings reach the group as configured (dev is all spot)", async () => {
    const { resources } = await runHosts(stackConfig("dev"));
    const group = findResource(resources, SCALING_GROUP, "hpc-group").inputs;
    expect(group).toMatchObject({ multiAzPolicy: "BALANCE", groupDeletionProtection: false });
    expect(group.onDemandBaseCapacity).toBeUndefined();
    expect(findResource(resources, SCALING_CONFIGURATION, "hpc-config").inputs).toMatchObject({
      spotStrategy: "SpotAsPriceGo",
      spotPriceLimits: [],
    });
  });

  it("pays for public bandwidth only when it is configured", async () => {
    const { resources } = await runHosts(
      stackConfig("prod-ap-southeast-1", { fleet: { publicBandwidthMbps: 10 } }),
    );
    expect(findResource(resources, SCALING_CONFIGURATION, "hpc-config").inputs).toMatchObject({
      internetChargeType: "PayByBandwidth",
      internetMaxBandwidthOut: 10,
    });
  });

  it.each(SHIPPED_STACKS)(
    "every resource carries the project and stack tags (%s)",
    async (stack) => {
      const { resources } = await runHosts(stackConfig(stack));
      // Only the types whose cloud API takes tags (policy/rules/taggable-types.ts): not
      // security-group rules, the network's EIP association and SNAT entries, or passwords.
      const declared = resources.filter(
        (r) => r.type.startsWith("alicloud:") || r.type.startsWith("random:"),
      );
      expect(declared.length).toBeGreaterThan(0);
      const tagged = declared.filter((r) => TAGGABLE_TYPES.has(r.type));
      expect(tagged.length).toBeGreaterThan(0);
      for (const resource of tagged) {
        expect(resource.inputs.tags).toMatchObject({
          project: "hpc-fleet",
          stack,
          Name: resource.name,
        });
      }
    },
  );

  it("refuses sizes that do not hold instanceCount, before declaring anything", () => {
    const args = { ...hostArgs(stackConfig("dev")), minSize: 3 };
    expect(instanceGroupArgProblems(args)).toEqual([
      { propertyPath: "minSize", reason: "must not exceed instanceCount (3 > 2)" },
    ]);
    // Thrown before the component registers, so nothing half-declared is left behind.
    expect(() => new InstanceGroup("hpc", args)).toThrow(
      /InstanceGroup hpc: [\s\S]*minSize: must not exceed instanceCount \(3 > 2\)/,
    );
  });

  it("sizes the group to its instance count, with a minimum of 0 unless the sizes are set", async () => {
    // A count set with `pulumi config set --path` arrives as text.
    const { resources } = await runHosts(stackConfig("dev", { fleet: { instanceCount: "5" } }));
    // A minimum below the count lets RemoveInstances take a host out to replace it.
    expect(findResource(resources, SCALING_GROUP, "hpc-group").inputs).toMatchObject({
      desiredCapacity: 5,
      minSize: 0,
      maxSize: 5,
    });
    const sized = await runHosts(
      stackConfig("dev", { fleet: { instanceCount: 5, minSize: 3, maxSize: 8 } }),
    );
    expect(findResource(sized.resources, SCALING_GROUP, "hpc-group").inputs).toMatchObject({
      desiredCapacity: 5,
      minSize: 3,
      maxSize: 8,
    });
  });
});

describe("rollout headroom", () => {
  async function warnings(minHealthyPercentage: number): Promise<string[]> {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await runHosts(stackConfig("dev", { fleet: { instanceCount: 2, minHealthyPercentage } }));
      return warn.mock.calls.map((call) => String(call[0]));
    } finally {
      warn.mockRestore();
    }
  }

  it("warns when the minimum healthy share keeps every host in service, so nothing can roll", async () => {
    expect((await warnings(80)).join("\n")).toMatch(/minHealthyPercentage 80 keeps all 2 hosts/);
    expect((await warnings(50)).join("\n")).not.toMatch(/minHealthyPercentage/);
  });
});
