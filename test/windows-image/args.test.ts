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
      sourceImageName: undefined,
      vpcId: undefined,
      vSwitchId: undefined,
      buildSecurityGroupId: undefined,
    };
    expect(windowsImageArgProblems(args)).toEqual([
      {
        propertyPath: "sourceImage",
        reason: "is required to build the image (or set sourceImageName, or existingImageId)",
      },
      { propertyPath: "vpcId", reason: "is required to build the image" },
      { propertyPath: "vSwitchId", reason: "is required to build the image" },
      { propertyPath: "buildSecurityGroupId", reason: "is required to build the image" },
    ]);
  });

  it("take the source image by id or by name pattern, not both", () => {
    const args = {
      ...imageArgs(fixture),
      sourceImage: "win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd",
      sourceImageName: "^win2022_21H2_x64_dtc_en-us_40G_alibase_\\d{8}\\.vhd$",
    };
    expect(windowsImageArgProblems(args)).toEqual([
      {
        propertyPath: "sourceImageName",
        reason:
          "must not be set with sourceImage: give the source image by id or by name pattern, not both",
      },
    ]);
  });

  it("build from either a source image id or a name pattern alone", () => {
    const byName = { ...imageArgs(fixture), sourceImage: undefined };
    expect(byName.sourceImageName).toBeDefined();
    expect(windowsImageArgProblems(byName)).toEqual([]);
    const byId = {
      ...imageArgs(fixture),
      sourceImage: "win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd",
      sourceImageName: undefined,
    };
    expect(windowsImageArgProblems(byId)).toEqual([]);
  });

  it.each([
    ["(unclosed", /is not a valid regular expression/],
    ["^win2022_(?!container).*\\.vhd$", /lookaround or a backreference.*RE2/],
    ["^(win)\\1", /lookaround or a backreference/],
    [" ", /not empty/],
  ])("refuse a name pattern the provider could not match with: %s", (pattern, reason) => {
    const args = { ...imageArgs(fixture), sourceImage: undefined, sourceImageName: pattern };
    expect(windowsImageArgProblems(args)).toEqual([
      { propertyPath: "sourceImageName", reason: expect.stringMatching(reason) },
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
