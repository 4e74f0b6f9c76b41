// The instance group's pure helpers: host names, the password alphabet, the capacity plan,
// the rollout fingerprint.
import {
  capacityPlan,
  hostNamePattern,
  isAcceptedPassword,
  PASSWORD_ARGS,
  PASSWORD_SPECIALS,
  rolloutFingerprint,
  WINDOWS_HOST_NAME_MAX_LENGTH,
} from "../../components/instance-group";
import { SHIPPED_STACKS, stackConfig } from "../helpers/stacks";

describe("host names", () => {
  it.each(SHIPPED_STACKS)("fit in Windows' 15 characters (%s)", (stack) => {
    const { longestName, pattern } = hostNamePattern(stackConfig(stack).fleet.hostNamePrefix);
    expect(longestName.length).toBeLessThanOrEqual(WINDOWS_HOST_NAME_MAX_LENGTH);
    expect(pattern).toMatch(/^[A-Za-z][A-Za-z0-9-]*-\(AUTO_INCREMENT\)\[1,\d\]$/);
  });

  it("fit for the longest prefix the config accepts", () => {
    const { longestName, digits } = hostNamePattern("abcdefghi");
    expect(longestName).toBe("abcdefghi-99999");
    expect(digits).toBe(5);
  });

  it("refuse a prefix that leaves too few digits, naming the key", () => {
    expect(() => hostNamePattern("abcdefghijk")).toThrow(/fleet.hostNamePrefix/);
    expect(() => hostNamePattern("1abc")).toThrow(/must start with a letter/);
  });
});

describe("the Administrator password", () => {
  it("never uses `_`, which the ECS API has rejected, nor shell-quoting characters", () => {
    for (const bad of "_$`'\"&|<>/") expect(PASSWORD_SPECIALS).not.toContain(bad);
  });

  it("is long and varied enough for ECS (8-30 characters, three kinds)", () => {
    const { length, minUpper, minLower, minNumeric, minSpecial } = PASSWORD_ARGS;
    expect(length).toBeGreaterThanOrEqual(8);
    expect(length).toBeLessThanOrEqual(30);
    expect(minUpper + minLower + minNumeric + minSpecial).toBeLessThanOrEqual(length);
    expect([minUpper, minLower, minNumeric, minSpecial].filter((n) => n > 0).length).toBe(4);
  });

  it("checks what ECS accepts", () => {
    expect(isAcceptedPassword("Ab12!#cdEF34%*ghIJ56+-kl")).toBe(true);
    expect(isAcceptedPassword("Ab12_cdEF34")).toBe(false);
    expect(isAcceptedPassword("abcdefgh")).toBe(false);
    expect(isAcceptedPassword("Ab1!")).toBe(false);
  });
});

describe("the capacity plan", () => {
  const spot = stackConfig("dev").fleet.spot;

  it("balances an all-on-demand fleet across zones", () => {
    expect(
      capacityPlan({
        ...spot,
        strategy: "NoSpot",
        onDemandBaseCapacity: 5,
        onDemandPercentageAboveBase: 100,
      }),
    ).toEqual({ multiAzPolicy: "BALANCE" });
  });

  it("balances an all-spot fleet: the scaling configuration makes every host spot", () => {
    expect(capacityPlan(spot).multiAzPolicy).toBe("BALANCE");
  });

  it("choosing a spot strategy without a split means all spot, not 100% on-demand", () => {
    const onlyStrategy = stackConfig("prod-ap-southeast-1", {
      fleet: { spot: { strategy: "SpotAsPriceGo" } },
    });
    expect(onlyStrategy.fleet.spot.onDemandPercentageAboveBase).toBe(0);
    expect(capacityPlan(onlyStrategy.fleet.spot)).toEqual({ multiAzPolicy: "BALANCE" });
    expect(stackConfig("prod-ap-southeast-1").fleet.spot.onDemandPercentageAboveBase).toBe(100);
  });

  it("uses COMPOSABLE, which splits and balances, when spot and on-demand are mixed", () => {
    const plan = capacityPlan(stackConfig("prod-cn-hangzhou").fleet.spot);
    expect(plan).toEqual({
      multiAzPolicy: "COMPOSABLE",
      mix: { onDemandBaseCapacity: 50, onDemandPercentageAboveBase: 30 },
    });
  });
});

describe("the rollout fingerprint", () => {
  const host = { imageId: "m-1", userData: "[powershell]\r\nA", instanceTypes: ["ecs.c7.2xlarge"] };

  it("ignores key order", () => {
    expect(
      rolloutFingerprint({
        userData: host.userData,
        instanceTypes: host.instanceTypes,
        imageId: "m-1",
      }),
    ).toBe(rolloutFingerprint(host));
  });

  it("moves with the user-data, the image and the instance types", () => {
    const base = rolloutFingerprint(host);
    expect(rolloutFingerprint({ ...host, userData: "[powershell]\r\nB" })).not.toBe(base);
    expect(rolloutFingerprint({ ...host, imageId: "m-2" })).not.toBe(base);
    expect(rolloutFingerprint({ ...host, instanceTypes: ["ecs.c6.2xlarge"] })).not.toBe(base);
  });
});
