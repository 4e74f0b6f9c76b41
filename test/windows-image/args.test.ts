// The WindowsImage's own rules, by property path: what it refuses before reading any file.
import { windowsImageArgProblems } from "../../components/windows-image";
import { clientFixture, imageArgs } from "./fixtures";

describe("the WindowsImage's args", () => {
  const fixture = clientFixture();
  afterAll(() => fixture.remove());

  it("need a source image and the build network to build", () => {
    const args = {
      ...imageArgs(fixture),
      sourceImage: undefined,
      vpcId: undefined,
      vSwitchId: undefined,
      buildSecurityGroupId: undefined,
    };
    expect(windowsImageArgProblems(args)).toEqual([
      {
        propertyPath: "sourceImage",
        reason: "is required to build the image (or set existingImageId)",
      },
      { propertyPath: "vpcId", reason: "is required to build the image" },
      { propertyPath: "vSwitchId", reason: "is required to build the image" },
      { propertyPath: "buildSecurityGroupId", reason: "is required to build the image" },
    ]);
  });

  it("need nothing more with an existing image", () => {
    expect(windowsImageArgProblems({ existingImageId: "m-2zeexisting" })).toEqual([]);
  });
});
