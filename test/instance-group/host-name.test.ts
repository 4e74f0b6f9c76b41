// Host names ESS renders from the group's pattern, which Windows cuts at 15 characters.
import { configKeyOf, INSTANCE_GROUP_CONFIG } from "../../components/config-keys";
import {
  hostNamePattern,
  instanceGroupArgProblems,
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
    expect(() => hostNamePattern("abcdefghijk")).toThrow(
      "hostNamePrefix: abcdefghijk leaves 3 of the 4 digits a Windows host name needs (at most 10 characters)",
    );
    expect(() => hostNamePattern("1abc")).toThrow(/must start with a letter/);
    expect(instanceGroupArgProblems({ hostNamePrefix: "abcdefghijk" })).toEqual([
      { propertyPath: "hostNamePrefix", reason: expect.stringMatching(/leaves 3 of the 4 digits/) },
    ]);
    // The operator sees the problem under the key they set.
    expect(configKeyOf(INSTANCE_GROUP_CONFIG, "hostNamePrefix")).toBe(
      "hpc-fleet:fleet.hostNamePrefix",
    );
  });
});
