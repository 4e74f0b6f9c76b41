// The shipped stack files parse, and their defaults resolve as documented.
import { readFileSync } from "node:fs";
import { scheduleIntervalSeconds } from "../../config/rules";
import { SHIPPED_STACKS, PROJECT_DIR, stackConfig } from "../helpers/stacks";

describe("shipped stacks", () => {
  test.each(SHIPPED_STACKS)("%s parses", (stack) => {
    const config = stackConfig(stack);
    expect(config.stack).toBe(stack);
    expect(config.fleet.instanceTypes.length).toBeGreaterThan(0);
  });

  test.each(SHIPPED_STACKS)("%s holds no plain-text secret", (stack) => {
    const text = readFileSync(`${PROJECT_DIR}/Pulumi.${stack}.yaml`, "utf8");
    expect(text).not.toMatch(/password|apiKey|token|accessKey|secretKey/i);
  });

  test("regions really differ: zones, billing and instance types", () => {
    const [dev, hangzhou, singapore] = ["dev", "prod-cn-hangzhou", "prod-ap-southeast-1"].map(
      (stack) => stackConfig(stack),
    );
    expect(new Set([dev.region, hangzhou.region, singapore.region]).size).toBe(3);
    expect(singapore.network.zones.every((zone) => /^ap-southeast-1[a-z]$/.test(zone))).toBe(true);
    expect(singapore.fleet.internetChargeType).toBe("PayByBandwidth");
    expect(dev.fleet.instanceTypes).not.toEqual(singapore.fleet.instanceTypes);
  });

  test("deletion protection is on for non-dev stacks unless set", () => {
    expect(stackConfig("dev").fleet.deletionProtection).toBe(false);
    expect(stackConfig("prod-cn-hangzhou").fleet.deletionProtection).toBe(true);
    expect(
      stackConfig("prod-cn-hangzhou", { fleet: { deletionProtection: false } }).fleet
        .deletionProtection,
    ).toBe(false);
  });

  // The group's sizes default to the count in the InstanceGroup (test/instance-group).
  test("a count set with --path as text still parses", () => {
    const config = stackConfig("dev", { fleet: { instanceCount: "5" } });
    expect(config.fleet).toMatchObject({ instanceCount: 5 });
  });

  test("vSwitch CIDRs are planned inside the VPC, one per zone", () => {
    expect(stackConfig("prod-cn-hangzhou").network.vSwitchCidrs).toEqual([
      "10.60.0.0/20",
      "10.60.16.0/20",
      "10.60.32.0/20",
    ]);
  });

  test("the health check's interval comes from its cron schedule", () => {
    const intervalOf = (stack: string) =>
      scheduleIntervalSeconds(stackConfig(stack).healthCheck.schedule);
    expect(intervalOf("dev")).toBe(300);
    expect(intervalOf("prod-ap-southeast-1")).toBe(180);
  });
});
