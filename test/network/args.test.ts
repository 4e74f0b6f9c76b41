// The Network's own rules, by property path: what it refuses before declaring anything.
import { networkArgProblems, type NetworkArgs } from "../../components/network";

const args: NetworkArgs = {
  zones: ["cn-beijing-h", "cn-beijing-i"],
  vpcCidr: "10.42.0.0/16",
  vSwitchCidrs: ["10.42.0.0/20", "10.42.16.0/20"],
  adminCidrs: ["203.0.113.0/28"],
  builderCidrs: ["203.0.113.10/32"],
  hostManagerPort: 8080,
  tags: {},
};

describe("the Network's args", () => {
  it("accept one vSwitch CIDR per zone, inside the VPC, none overlapping", () => {
    expect(networkArgProblems(args)).toEqual([]);
  });

  it("need a zone", () => {
    expect(networkArgProblems({ ...args, zones: [], vSwitchCidrs: [] })).toEqual([
      { propertyPath: "zones", reason: "must list at least one zone" },
    ]);
  });

  it("need one vSwitch CIDR per zone, each inside the VPC and apart from the others", () => {
    expect(
      networkArgProblems({
        ...args,
        vSwitchCidrs: ["10.42.0.0/20", "10.42.8.0/24", "10.9.0.0/24"],
      }),
    ).toEqual([
      { propertyPath: "vSwitchCidrs", reason: "must list one CIDR per zone (2)" },
      { propertyPath: "vSwitchCidrs[1]", reason: "10.42.8.0/24 overlaps 10.42.0.0/20" },
      {
        propertyPath: "vSwitchCidrs[2]",
        reason: "10.9.0.0/24 is not inside vpcCidr 10.42.0.0/16",
      },
    ]);
  });

  it("take an existing VPC and its vSwitches together, one vSwitch per zone", () => {
    expect(networkArgProblems({ ...args, existingVpcId: "vpc-1" })).toEqual([
      { propertyPath: "existingVSwitchIds", reason: "is required when existingVpcId is set" },
    ]);
    expect(networkArgProblems({ ...args, existingVSwitchIds: ["vsw-1"] })).toEqual([
      { propertyPath: "existingVpcId", reason: "is required when existingVSwitchIds is set" },
      { propertyPath: "existingVSwitchIds", reason: "must list one vSwitch per zone (2)" },
    ]);
  });

  it("never admit WinRM or RDP from the whole internet", () => {
    expect(
      networkArgProblems({
        ...args,
        adminCidrs: ["0.0.0.0/0"],
        builderCidrs: ["10.0.0.0/8", "0.0.0.0/0"],
      }),
    ).toEqual([
      {
        propertyPath: "adminCidrs[0]",
        reason: "0.0.0.0/0 would open WinRM/RDP to the whole internet",
      },
      {
        propertyPath: "builderCidrs[1]",
        reason: "0.0.0.0/0 would open WinRM/RDP to the whole internet",
      },
    ]);
  });

  it("are checked only where given, so a config with some fields unparsed is still checked", () => {
    expect(networkArgProblems({ vSwitchCidrs: ["10.42.0.0/20", "10.42.0.0/24"] })).toEqual([
      { propertyPath: "vSwitchCidrs[1]", reason: "10.42.0.0/24 overlaps 10.42.0.0/20" },
    ]);
  });

  it("name the other args in a reason as the caller calls them", () => {
    const problems = networkArgProblems(
      { existingVpcId: "vpc-1" },
      (propertyPath) => `network.${propertyPath}`,
    );
    expect(problems).toEqual([
      {
        propertyPath: "existingVSwitchIds",
        reason: "is required when network.existingVpcId is set",
      },
    ]);
  });
});
