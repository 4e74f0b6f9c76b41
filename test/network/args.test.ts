// The Network's own rules, by property path: what it refuses before declaring anything.
import { networkArgProblems, type NetworkArgs } from "../../components/network";

const args: NetworkArgs = {
  zones: ["cn-beijing-h", "cn-beijing-i"],
  vpcCidr: "10.42.0.0/16",
  vSwitchCidrs: ["10.42.0.0/20", "10.42.16.0/20"],
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

  it("never admit WinRM from the whole internet", () => {
    expect(networkArgProblems({ ...args, builderCidrs: ["10.0.0.0/8", "0.0.0.0/0"] })).toEqual([
      {
        propertyPath: "builderCidrs[1]",
        reason: "0.0.0.0/0 would open WinRM to the whole internet",
      },
    ]);
  });

  it("take egress nat, none or a NAT gateway id", () => {
    for (const egress of ["nat", "none"]) {
      expect(networkArgProblems({ ...args, egress })).toEqual([]);
    }
    expect(networkArgProblems({ ...args, egress: "nat-gateway" })).toEqual([
      {
        propertyPath: "egress",
        reason: "must be nat, none or a NAT gateway id such as ngw-2ze0abc (got nat-gateway)",
      },
    ]);
  });

  it("use an existing NAT gateway only in the existing VPC it belongs to", () => {
    expect(networkArgProblems({ ...args, egress: "ngw-2ze0abc" })).toEqual([
      {
        propertyPath: "egress",
        reason: "an existing NAT gateway needs existingVpcId, the VPC it is in",
      },
    ]);
    expect(
      networkArgProblems({
        ...args,
        egress: "ngw-2ze0abc",
        existingVpcId: "vpc-1",
        existingVSwitchIds: ["vsw-1", "vsw-2"],
      }),
    ).toEqual([]);
  });

  it("place a new NAT gateway in one of the zones, and only a new one", () => {
    expect(networkArgProblems({ ...args, natZone: "cn-beijing-i" })).toEqual([]);
    expect(networkArgProblems({ ...args, natZone: "cn-beijing-k" })).toEqual([
      { propertyPath: "natZone", reason: "must be one of zones (cn-beijing-h, cn-beijing-i)" },
    ]);
    expect(networkArgProblems({ ...args, egress: "none", natZone: "cn-beijing-h" })).toEqual([
      { propertyPath: "natZone", reason: "applies only when egress is nat" },
    ]);
  });

  it("cap the NAT's EIP at what pay-by-traffic allows", () => {
    expect(networkArgProblems({ ...args, egressBandwidthMbps: 200 })).toEqual([]);
    for (const egressBandwidthMbps of [0, 201, 1.5]) {
      expect(networkArgProblems({ ...args, egressBandwidthMbps })).toEqual([
        { propertyPath: "egressBandwidthMbps", reason: "must be a whole number from 1 to 200" },
      ]);
    }
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
