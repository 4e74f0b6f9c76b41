// The InstanceGroup's own rules, by property path: what it refuses before declaring anything.
import { instanceGroupArgProblems } from "../../components/instance-group";
import { stackConfig } from "../helpers/stacks";
import { hostArgs } from "./declare";

const args = hostArgs(stackConfig("dev"));

describe("the InstanceGroup's args", () => {
  it("accept the shipped stacks' fleets", () => {
    for (const stack of ["dev", "prod-cn-hangzhou", "prod-ap-southeast-1"]) {
      expect(instanceGroupArgProblems(hostArgs(stackConfig(stack)))).toEqual([]);
    }
  });

  it("hold the instance count between the group's sizes, and the on-demand base within them", () => {
    expect(
      instanceGroupArgProblems({ ...args, minSize: 3, maxSize: 1, onDemandBaseCapacity: 2 }),
    ).toEqual([
      { propertyPath: "minSize", reason: "must not exceed instanceCount (3 > 2)" },
      { propertyPath: "maxSize", reason: "must not be below instanceCount (1 < 2)" },
      {
        propertyPath: "onDemandBaseCapacity",
        reason: "must not exceed the group's maximum size (1)",
      },
    ]);
  });

  it("price every instance type under SpotWithPriceLimit, and price only the fleet's types", () => {
    expect(
      instanceGroupArgProblems({
        ...args,
        spotStrategy: "SpotWithPriceLimit",
        spotPriceLimits: [{ instanceType: "ecs.g7.large", maxPricePerHour: 1 }],
      }),
    ).toEqual([
      {
        propertyPath: "spotPriceLimits",
        reason: "has no price for ecs.c7.2xlarge, ecs.c6.2xlarge",
      },
      {
        propertyPath: "spotPriceLimits[0].instanceType",
        reason: "ecs.g7.large is not in instanceTypes",
      },
    ]);
  });

  it("take spot prices in cents, as the provider sends them to ESS", () => {
    expect(
      instanceGroupArgProblems({
        ...args,
        spotPriceLimits: [
          { instanceType: "ecs.c7.2xlarge", maxPricePerHour: 1.1 },
          { instanceType: "ecs.c6.2xlarge", maxPricePerHour: 0.125 },
        ],
      }),
    ).toEqual([
      {
        propertyPath: "spotPriceLimits[1].maxPricePerHour",
        reason: "must have at most 2 decimals, as the provider sends it to ESS (got 0.125)",
      },
    ]);
  });

  it("keep the client's arguments within what the 16 KB user-data can carry", () => {
    const clientArguments = Array.from({ length: 30 }, () => "x".repeat(500));
    expect(instanceGroupArgProblems({ ...args, clientArguments })).toEqual([
      {
        propertyPath: "clientArguments",
        reason:
          "must total at most 12000 characters as JSON, to fit ECS's 16 KB user-data (got 15091)",
      },
    ]);
  });

  it("are checked only where given, so a config with some fields unparsed is still checked", () => {
    expect(instanceGroupArgProblems({ maxSize: 1, onDemandBaseCapacity: 5 })).toEqual([]);
    expect(instanceGroupArgProblems({ instanceCount: 4, maxSize: 2 })).toEqual([
      { propertyPath: "maxSize", reason: "must not be below instanceCount (2 < 4)" },
    ]);
  });
});
