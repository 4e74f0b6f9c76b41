// The Network's outbound internet under Pulumi's mocks: a new NAT gateway with its EIP and
// one SNAT entry per vSwitch, none at all, or SNAT entries on an existing gateway.
import * as pulumi from "@pulumi/pulumi";
import { networkConfigArgs, stackTags } from "../../components/fleet";
import { Network, type NetworkArgs } from "../../components/network";
import type { StackConfig } from "../../config";
import { existingNatTarget, natZoneIndex } from "../../components/network/egress";
import { NAT_GATEWAYS } from "../../tools/mocks/calls";
import { findResource, resourcesOfType, runDeclarations } from "../helpers/mocks";
import { stackConfig, type ConfigOverrides } from "../helpers/stacks";
import { WITHOUT_CERTIFICATE } from "../operator-access/fixtures";
import { EIP, EIP_ASSOCIATION, NAT_GATEWAY, SNAT_ENTRY, VSWITCH } from "../helpers/types";

const networkArgs = (config: StackConfig): NetworkArgs => ({
  ...networkConfigArgs(config),
  tags: stackTags(config),
});

const declare = (overrides: ConfigOverrides = {}, stack = "dev") =>
  runDeclarations(() => new Network("hpc", networkArgs(stackConfig(stack, overrides))));

const EXISTING = {
  // The endpoint off: it would need the vSwitches' blocks, which these tests leave out.
  ...WITHOUT_CERTIFICATE,
  network: {
    existingVpcId: "vpc-2ze0lab",
    existingVSwitchIds: ["vsw-h", "vsw-i"],
    egress: "ngw-2ze0lab",
  },
};

const EGRESS_TYPES = [NAT_GATEWAY, EIP, EIP_ASSOCIATION, SNAT_ENTRY];

/** An Output's value, read the way a test can: once it resolves. */
const valueOf = <T>(output: pulumi.Output<T>) =>
  new Promise<T>((resolve) => output.apply((value) => resolve(value)));

describe("the Network's egress", () => {
  it("by default is an Enhanced internet NAT gateway in the first zone's vSwitch", async () => {
    const { resources } = await declare();
    const nat = findResource(resources, NAT_GATEWAY, "hpc-nat");
    expect(nat.inputs).toMatchObject({
      natGatewayName: "hpc-nat",
      vpcId: "hpc-vpc-id",
      vswitchId: "hpc-vsw-cn-beijing-h-id",
      natType: "Enhanced",
      networkType: "internet",
      paymentType: "PayAsYouGo",
      internetChargeType: "PayByLcu",
    });
    // Immutable in the API, updated in place (or not at all) by TF: a change must replace.
    expect(nat.options?.replaceOnChanges).toEqual(["networkType", "vswitchId"]);
    expect(resourcesOfType(resources, NAT_GATEWAY)).toHaveLength(1);
  });

  it("puts the gateway in natZone's vSwitch when one is chosen", async () => {
    const { resources } = await declare({ network: { natZone: "cn-beijing-i" } });
    expect(findResource(resources, NAT_GATEWAY, "hpc-nat").inputs.vswitchId).toBe(
      "hpc-vsw-cn-beijing-i-id",
    );
  });

  it("binds one pay-by-traffic EIP to the gateway, as a NAT association", async () => {
    const { resources } = await declare({ network: { egressBandwidthMbps: 30 } });
    expect(findResource(resources, EIP, "hpc-nat-eip").inputs).toMatchObject({
      addressName: "hpc-nat-eip",
      paymentType: "PayAsYouGo",
      internetChargeType: "PayByTraffic",
      bandwidth: "30",
    });
    expect(findResource(resources, EIP_ASSOCIATION, "hpc-nat-eip-association").inputs).toEqual({
      allocationId: "hpc-nat-eip-id",
      instanceId: "hpc-nat-id",
      instanceType: "Nat",
    });
  });

  it("adds one SNAT entry per vSwitch, from the EIP, once the EIP is on the gateway", async () => {
    const { resources } = await declare({}, "prod-cn-hangzhou");
    const entries = resourcesOfType(resources, SNAT_ENTRY);
    expect(entries.map((entry) => entry.inputs)).toEqual(
      resourcesOfType(resources, VSWITCH).map((vSwitch) => ({
        snatEntryName: `hpc-snat-${String(vSwitch.inputs.zoneId)}`,
        snatTableId: "stb-hpc-nat",
        sourceVswitchId: `${vSwitch.name}-id`,
        snatIp: "39.96.10.20",
      })),
    );
    expect(entries).toHaveLength(3);
    for (const entry of entries) {
      expect(entry.options?.dependsOn).toEqual([`${EIP_ASSOCIATION}::hpc-nat-eip-association`]);
    }
  });

  it("gives the vSwitch ids out only once their SNAT entries exist", async () => {
    const { outputs } = await declare();
    const internals = outputs.vSwitchIds as unknown as {
      allResources?: () => Promise<Set<pulumi.Resource>>;
    };
    const dependencies = await internals.allResources!();
    const names = [...dependencies].map((resource) => pulumi.resourceName(resource));
    expect(names).toEqual(
      expect.arrayContaining(["hpc-snat-cn-beijing-h", "hpc-snat-cn-beijing-i"]),
    );
    expect(await valueOf(outputs.egressIp)).toBe("39.96.10.20");
  });

  it("with none declares no gateway, EIP or SNAT entry", async () => {
    const { resources, outputs } = await declare({ network: { egress: "none" } });
    for (const type of EGRESS_TYPES) expect(resourcesOfType(resources, type)).toEqual([]);
    expect(await valueOf(outputs.egressIp)).toBeUndefined();
  });

  it("with an existing gateway adds SNAT entries to its table, from its EIP, and nothing else", async () => {
    const asked: Record<string, unknown>[] = [];
    const { resources, outputs } = await runDeclarations(
      () => new Network("hpc", networkArgs(stackConfig("dev", EXISTING))),
      {
        calls: {
          [NAT_GATEWAYS]: (inputs) => {
            asked.push(inputs);
            return {
              ids: ["ngw-2ze0lab"],
              gateways: [
                {
                  id: "ngw-2ze0lab",
                  networkType: "internet",
                  vpcId: "vpc-2ze0lab",
                  snatTableIds: ["stb-2ze0lab"],
                  ipLists: ["47.93.1.2", "47.93.1.3"],
                },
              ],
            };
          },
        },
      },
    );
    expect(asked).toEqual([
      expect.objectContaining({ ids: ["ngw-2ze0lab"], vpcId: "vpc-2ze0lab" }),
    ]);
    for (const type of [NAT_GATEWAY, EIP, EIP_ASSOCIATION]) {
      expect(resourcesOfType(resources, type)).toEqual([]);
    }
    expect(resourcesOfType(resources, SNAT_ENTRY).map((entry) => entry.inputs)).toEqual([
      expect.objectContaining({
        snatTableId: "stb-2ze0lab",
        sourceVswitchId: "vsw-h",
        snatIp: "47.93.1.2",
      }),
      expect.objectContaining({
        snatTableId: "stb-2ze0lab",
        sourceVswitchId: "vsw-i",
        snatIp: "47.93.1.2",
      }),
    ]);
    expect(await valueOf(outputs.egressIp)).toBe("47.93.1.2");
  });
});

// A lookup that refuses throws inside an apply: a real preview then fails with the message,
// while under the mocks the dependents would wait forever, so the choices are tested here.
describe("the egress lookups' verdicts", () => {
  // As TF answers: zones by id, `ids` being their local names.
  const offered = [{ zoneId: "cn-beijing-h" }];

  it("place the gateway in natZone's vSwitch when that zone offers Enhanced NAT", () => {
    expect(natZoneIndex(["cn-beijing-i", "cn-beijing-h"], "cn-beijing-h", offered)).toBe(1);
  });

  it("refuse a NAT zone that offers no Enhanced NAT gateway, naming the key and the choices", () => {
    expect(() => natZoneIndex(["cn-beijing-h", "cn-beijing-i"], "cn-beijing-i", offered)).toThrow(
      "hpc-fleet:network.natZone: cn-beijing-i offers no Enhanced NAT gateway; choose one of the fleet's zones that does (cn-beijing-h)",
    );
  });

  const gateway = {
    id: "ngw-2ze0lab",
    networkType: "internet",
    snatTableIds: ["stb-2ze0lab"],
    ipLists: ["47.93.1.2"],
  };

  it("take an existing internet gateway's SNAT table and first EIP", () => {
    expect(existingNatTarget([gateway], "ngw-2ze0lab", "vpc-2ze0lab")).toEqual({
      snatTableId: "stb-2ze0lab",
      snatIp: "47.93.1.2",
    });
  });

  it.each([
    ["not in the VPC", [], /no NAT gateway ngw-2ze0lab in vpc-2ze0lab/],
    [
      "that is a VPC NAT gateway",
      [{ ...gateway, networkType: "intranet" }],
      /is a VPC NAT gateway/,
    ],
    ["without an EIP", [{ ...gateway, ipLists: [] }], /has no SNAT table or no EIP bound to it/],
  ])("refuse an existing gateway %s, naming the key", (_case, gateways, reason) => {
    expect(() => existingNatTarget(gateways, "ngw-2ze0lab", "vpc-2ze0lab")).toThrow(
      new RegExp(`^hpc-fleet:network\\.egress: .*${reason.source}`),
    );
  });
});
