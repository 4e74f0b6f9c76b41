// The source image found by name pattern: the lookup's query, what it makes of the answer,
// and the mock data source it is tested against, held to the provider's behaviour.
import { configKey } from "../../config/errors";
import { WINDOWS_IMAGE_CONFIG } from "../../components/config-keys";
import {
  foundSourceImageId,
  SOURCE_IMAGE_NAME_KEY,
  sourceImageQuery,
} from "../../components/windows-image/source-image";
import { PUBLIC_IMAGES, publicImagesCall, type PublicImage } from "../../tools/mocks/public-images";
import { stackConfig } from "../helpers/stacks";

const EN_US = String.raw`^win2022_21H2_x64_dtc_en-us_40G_alibase_\d{8}\.vhd$`;

function lookUp(pattern: string, catalogue: readonly PublicImage[] = PUBLIC_IMAGES) {
  return publicImagesCall(catalogue)(sourceImageQuery(pattern)) as {
    ids: string[];
    images: { id: string; name: string; creationTime: string }[];
  };
}

describe("the source image by name pattern", () => {
  it("names the config key it comes from", () => {
    expect(SOURCE_IMAGE_NAME_KEY).toBe(
      configKey(WINDOWS_IMAGE_CONFIG.keys.sourceImageName!.split(".")),
    );
  });

  it("is the newest Available match, for each shipped stack's pattern", () => {
    const expected: Record<string, string> = {
      dev: "win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd",
      "prod-ap-southeast-1": "win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd",
      "prod-cn-hangzhou": "win2022_21H2_x64_dtc_zh-cn_40G_alibase_20251015.vhd",
    };
    for (const [stack, id] of Object.entries(expected)) {
      const { image, region } = stackConfig(stack);
      expect(image.sourceImage).toBeUndefined();
      const { images } = lookUp(image.sourceImageName!);
      expect(foundSourceImageId(images, image.sourceImageName!, region)).toBe(id);
    }
  });

  it("fails naming the key and the pattern when nothing matches", () => {
    const pattern = String.raw`^win2016_x64_dtc_en-us_40G_alibase_\d{8}\.vhd$`;
    const { images } = lookUp(pattern);
    expect(images).toEqual([]);
    expect(() => foundSourceImageId(images, pattern, "cn-beijing")).toThrow(
      `hpc-fleet:image.sourceImageName: no Available x86_64 Windows public image in cn-beijing has a name matching ${pattern}`,
    );
  });

  it("fails when every image the pattern matches is retired", () => {
    const pattern = String.raw`_alibase_20250715\.vhd$`;
    expect(PUBLIC_IMAGES.filter((image) => /_20250715\.vhd$/.test(image.name)).length).toBe(2);
    expect(() => foundSourceImageId(lookUp(pattern).images, pattern, "cn-beijing")).toThrow(
      /Alibaba may have retired the images it matched/,
    );
  });
});

describe("the mock ecs.getImages", () => {
  const image = (name: string, creationTime: string): PublicImage => ({
    name,
    creationTime,
    osType: "windows",
    architecture: "x86_64",
    status: "Available",
    osNameEn: "Windows Server 2022 Datacenter 64-bit",
    platform: "Windows Server 2022",
  });

  it("keeps the latest creation time with mostRecent, whatever the names say", () => {
    // TF sorts by creation_time (data_source_alicloud_images.go:465-476), not by name.
    const republished = [
      image("win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd", "2025-10-16T03:12:40Z"),
      image("win2022_21H2_x64_dtc_en-us_40G_alibase_20250916.vhd", "2025-10-20T08:00:00Z"),
    ];
    expect(lookUp(EN_US, republished).ids).toEqual([
      "win2022_21H2_x64_dtc_en-us_40G_alibase_20250916.vhd",
    ]);
  });

  it("lists every match without mostRecent, and matches names unanchored as Go does", () => {
    const { ids } = publicImagesCall()({ owners: "system", nameRegex: "en-us_40G_alibase" }) as {
      ids: string[];
    };
    expect(ids).toEqual([
      "win2022_21H2_x64_dtc_en-us_40G_alibase_20250815.vhd",
      "win2022_21H2_x64_dtc_en-us_40G_alibase_20250916.vhd",
      "win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd",
      "win2019_1809_x64_dtc_en-us_40G_alibase_20251015.vhd",
      "win2025_24H2_x64_dtc_en-us_40G_alibase_20251015.vhd",
    ]);
  });

  it("answers in the provider's shape", () => {
    const answer = lookUp(EN_US) as unknown as Record<string, unknown>;
    expect(answer).toMatchObject({
      nameRegex: EN_US,
      mostRecent: true,
      status: "Available",
      ids: ["win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd"],
      images: [
        expect.objectContaining({
          id: "win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd",
          imageId: "win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd",
          name: "win2022_21H2_x64_dtc_en-us_40G_alibase_20251015.vhd",
          imageOwnerAlias: "system",
          osType: "windows",
          architecture: "x86_64",
          creationTime: "2025-10-16T03:12:40Z",
        }),
      ],
    });
    expect(answer.id).toEqual(expect.any(String));
  });

  it.each([
    [{}, /one of "image_owner_id,name_regex,owners" must be specified/],
    [{ owners: "amazon" }, /expected owners to be one of/],
    [{ owners: "system", osType: "Windows" }, /expected os_type to be one of/],
    [{ owners: "system", architecture: "amd64" }, /expected architecture to be one of/],
    [{ owners: "system", status: "Retired" }, /expected status to be one of/],
    [{ nameRegex: "(" }, /Invalid regular expression/],
  ])("refuses what the provider refuses: %j", (inputs, error) => {
    expect(() => publicImagesCall()(inputs)).toThrow(error);
  });
});
