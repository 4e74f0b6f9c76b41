// The Network component under Pulumi's mocks: what it declares and how it is wired.
import { networkConfigArgs, stackTags } from "../../components/fleet";
import { Network, type NetworkArgs } from "../../components/network";
import type { StackConfig } from "../../config";
import { isWholeInternet } from "../../components/network/cidr";
import { TAGGABLE_TYPES } from "../../policy/rules";
import { findResource, resourcesOfType, runDeclarations } from "../helpers/mocks";
import { SHIPPED_STACKS, stackConfig } from "../helpers/stacks";
import { WITHOUT_CERTIFICATE } from "../operator-access/fixtures";
import { SECURITY_GROUP, SECURITY_GROUP_RULE, VPC, VSWITCH } from "../helpers/types";

/** The Network's args as the fleet passes them for `config`. */
const networkArgs = (config: StackConfig): NetworkArgs => ({
  ...networkConfigArgs(config),
  tags: stackTags(config),
});

const outputsOf = (network: Network) =>
  new Promise<{ vpcId: string; vSwitchIds: string[]; hosts: string }>((resolve) =>
    network.vpcId.apply((vpcId) =>
      network.vSwitchIds.apply((vSwitchIds) =>
        network.hostsSecurityGroupId.apply((hosts) => resolve({ vpcId, vSwitchIds, hosts })),
      ),
    ),
  );

describe("Network", () => {
  it("declares a VPC and one vSwitch per zone, ids in zone order", async () => {
    const config = stackConfig("prod-cn-hangzhou");
    const { resources, outputs } = await runDeclarations(
      () => new Network("hpc", networkArgs(config)),
    );
    expect(resourcesOfType(resources, VPC)).toHaveLength(1);
    const switches = resourcesOfType(resources, VSWITCH);
    expect(switches.map((vSwitch) => [vSwitch.inputs.zoneId, vSwitch.inputs.cidrBlock])).toEqual(
      config.network.zones.map((zone, index) => [zone, config.network.vSwitchCidrs[index]]),
    );
    const ids = await outputsOf(outputs);
    expect(ids.vpcId).toBe("hpc-vpc-id");
    expect(ids.vSwitchIds).toEqual(config.network.zones.map((zone) => `hpc-vsw-${zone}-id`));
  });

  it("uses existing VPC and vSwitch ids without creating either", async () => {
    const config = stackConfig("dev", {
      // The endpoint off: it would need the vSwitches' blocks, which this test leaves out.
      ...WITHOUT_CERTIFICATE,
      network: { existingVpcId: "vpc-abc", existingVSwitchIds: ["vsw-h", "vsw-i"] },
    });
    const { resources, outputs } = await runDeclarations(
      () => new Network("hpc", networkArgs(config)),
    );
    expect(resourcesOfType(resources, VPC)).toEqual([]);
    expect(resourcesOfType(resources, VSWITCH)).toEqual([]);
    expect(findResource(resources, SECURITY_GROUP, "hpc-sg-hosts").inputs.vpcId).toBe("vpc-abc");
    expect(await outputsOf(outputs)).toMatchObject({
      vpcId: "vpc-abc",
      vSwitchIds: ["vsw-h", "vsw-i"],
    });
  });

  it.each(SHIPPED_STACKS)("no rule admits 0.0.0.0/0 on 3389, 5985 or 5986 (%s)", async (stack) => {
    const { resources } = await runDeclarations(
      () => new Network("hpc", networkArgs(stackConfig(stack))),
    );
    const rules = resourcesOfType(resources, SECURITY_GROUP_RULE);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const ports = String(rule.inputs.portRange).split("/").map(Number);
      const covers = (port: number) => ports[0] <= port && port <= ports[1];
      if ([3389, 5985, 5986].some(covers)) {
        expect(
          rule.inputs.cidrIp === undefined || !isWholeInternet(String(rule.inputs.cidrIp)),
        ).toBe(true);
      }
      expect(covers(5985)).toBe(false);
    }
  });

  it("every rule is an explicit intranet TCP ingress on one port", async () => {
    const { resources } = await runDeclarations(
      () => new Network("hpc", networkArgs(stackConfig("dev"))),
    );
    for (const rule of resourcesOfType(resources, SECURITY_GROUP_RULE)) {
      expect(rule.inputs).toMatchObject({
        type: "ingress",
        ipProtocol: "tcp",
        nicType: "intranet",
        policy: "accept",
      });
      expect(rule.inputs.portRange).toMatch(/^(\d+)\/\1$/);
    }
    for (const group of resourcesOfType(resources, SECURITY_GROUP)) {
      expect(group.inputs.innerAccessPolicy).toBe("Drop");
    }
  });

  it("the host-manager API admits the hosts' group by id", async () => {
    const config = stackConfig("dev");
    const { resources } = await runDeclarations(() => new Network("hpc", networkArgs(config)));
    const rule = findResource(resources, SECURITY_GROUP_RULE, "hpc-sg-host-manager-api-from-hosts");
    expect(rule.inputs).toMatchObject({
      securityGroupId: "hpc-sg-host-manager-id",
      sourceSecurityGroupId: "hpc-sg-hosts-id",
      portRange: `${config.hostManager.port}/${config.hostManager.port}`,
    });
    expect(rule.inputs.cidrIp).toBeUndefined();
  });

  it("admits no one into the build group when no image is built here", async () => {
    const args = { ...networkArgs(stackConfig("dev")), buildsImage: false };
    const { resources } = await runDeclarations(() => new Network("hpc", args));
    const rules = resourcesOfType(resources, SECURITY_GROUP_RULE);
    expect(rules.map((rule) => rule.name)).toEqual(["hpc-sg-host-manager-api-from-hosts"]);
  });

  it("every resource is a child of the component and tagged with project, stack and Name", async () => {
    const config = stackConfig("dev");
    const { resources } = await runDeclarations(() => new Network("hpc", networkArgs(config)));
    for (const resource of resources.filter((r) => r.type.startsWith("alicloud:"))) {
      expect(resource.parent).toBe("hpc");
      // Security-group rules, EIP associations and SNAT entries take no tags.
      if (!TAGGABLE_TYPES.has(resource.type)) continue;
      expect(resource.inputs.tags).toMatchObject({
        project: "hpc-fleet",
        stack: "dev",
        team: "perf-lab",
        Name: resource.name,
      });
    }
  });

  it("refuses args that do not match the zones, naming the field", () => {
    const args: NetworkArgs = {
      ...networkArgs(stackConfig("dev")),
      vSwitchCidrs: ["10.42.0.0/20"],
    };
    expect(() => new Network("hpc", args)).toThrow(
      /vSwitchCidrs: must list one CIDR per zone \(2\)/,
    );
    const open: NetworkArgs = {
      ...args,
      vSwitchCidrs: ["10.42.0.0/20", "10.42.16.0/20"],
      builderCidrs: ["0.0.0.0/0"],
    };
    expect(() => new Network("hpc", open)).toThrow(
      /builderCidrs\[0\]: 0\.0\.0\.0\/0 would open WinRM to the whole internet/,
    );
  });
});
