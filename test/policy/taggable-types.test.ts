// The tag rule's list of taggable types is the installed provider's, no more and no less.
import {
  installedSdkDir,
  renderTaggableTypes,
  scanTaggableTypes,
  sdkVersion,
} from "../../policy/scripts/taggable-types";
import { ALICLOUD_VERSION, TAGGABLE_TYPES } from "../../policy/rules/taggable-types";

describe("taggable types", () => {
  const sdkDir = installedSdkDir();

  it("were generated from the installed @pulumi/alicloud", () => {
    // On failure: npm run policy:taggable-types
    expect(ALICLOUD_VERSION).toBe(sdkVersion(sdkDir));
    expect([...TAGGABLE_TYPES]).toEqual(scanTaggableTypes(sdkDir));
  });

  it("include what the fleet tags and leave out what cannot carry tags", () => {
    for (const type of [
      "alicloud:vpc/network:Network",
      "alicloud:vpc/switch:Switch",
      "alicloud:ecs/securityGroup:SecurityGroup",
      "alicloud:ess/scalingGroup:ScalingGroup",
      "alicloud:ess/scalingConfiguration:ScalingConfiguration",
      "alicloud:ecs/instance:Instance",
      "alicloud:eci/containerGroup:ContainerGroup",
      "alicloud:ram/role:Role",
      "alicloud:ram/policy:Policy",
      "alicloud:pvtz/zone:Zone",
    ]) {
      expect(TAGGABLE_TYPES.has(type)).toBe(true);
    }
    for (const type of [
      "alicloud:ecs/securityGroupRule:SecurityGroupRule",
      "alicloud:ram/rolePolicyAttachment:RolePolicyAttachment",
      "alicloud:pvtz/zoneRecord:ZoneRecord",
      "alicloud:pvtz/zoneAttachment:ZoneAttachment",
    ]) {
      expect(TAGGABLE_TYPES.has(type)).toBe(false);
    }
  });

  it("render as the file the generator writes", () => {
    expect(renderTaggableTypes(["a:b/c:C"], "1.0.0")).toContain('  "a:b/c:C",\n');
  });
});
