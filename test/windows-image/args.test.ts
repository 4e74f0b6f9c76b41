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

  it("take the client artifact or a checksum list, not both", () => {
    const args = {
      ...imageArgs(fixture),
      clientArtifact: { url: "oss://b-1/client.zip", sha256: "a".repeat(64) },
      clientChecksumsFile: "client/SHA256SUMS",
    };
    expect(windowsImageArgProblems(args)).toEqual([
      {
        propertyPath: "clientChecksumsFile",
        reason: "must not be set with clientArtifact, whose digest stands for the client files",
      },
    ]);
  });

  it("need nothing more with an existing image", () => {
    expect(windowsImageArgProblems({ existingImageId: "m-2zeexisting" })).toEqual([]);
  });
});
