import { imageIdFromManifest, ManifestError } from "../../components/windows-image/manifest";
import { renderManifest } from "../helpers/packer-manifest";

describe("reading the image id from Packer's manifest", () => {
  it("reads region:imageId", () => {
    const manifest = renderManifest([{ region: "cn-beijing", imageId: "m-2ze1abc" }]);
    expect(imageIdFromManifest(manifest, "cn-beijing")).toBe("m-2ze1abc");
  });

  it("picks this stack's region from an image copied to several", () => {
    const manifest = renderManifest([
      { region: "cn-hangzhou", imageId: "m-bp1aaa" },
      { region: "ap-southeast-1", imageId: "m-t4nbbb" },
      { region: "cn-beijing", imageId: "m-2zeccc" },
    ]);
    expect(imageIdFromManifest(manifest, "ap-southeast-1")).toBe("m-t4nbbb");
    expect(imageIdFromManifest(manifest, "cn-beijing")).toBe("m-2zeccc");
  });

  it("reads only the last run when the manifest holds earlier ones", () => {
    const manifest = JSON.stringify({
      builds: [
        { artifact_id: "cn-beijing:m-old", packer_run_uuid: "run-1" },
        { artifact_id: "cn-beijing:m-new", packer_run_uuid: "run-2" },
        { artifact_id: "cn-beijing:m-older", packer_run_uuid: "run-0" },
      ],
      last_run_uuid: "run-2",
    });
    expect(imageIdFromManifest(manifest, "cn-beijing")).toBe("m-new");
  });

  it("names the region and the regions there are when this one is missing", () => {
    const manifest = renderManifest([
      { region: "cn-hangzhou", imageId: "m-1" },
      { region: "cn-shanghai", imageId: "m-2" },
    ]);
    expect(() => imageIdFromManifest(manifest, "cn-beijing")).toThrow(ManifestError);
    expect(() => imageIdFromManifest(manifest, "cn-beijing")).toThrow(
      "no image for region cn-beijing (the build made images in: cn-hangzhou, cn-shanghai)",
    );
  });

  it.each([
    ["an empty output", "", "printed no manifest"],
    ["text that is not JSON", "==> windows: done", "not JSON"],
    ["a manifest without builds", '{"builds":[]}', "no builds"],
    [
      "an artifact that is not region:imageId",
      '{"builds":[{"artifact_id":"m-1"}]}',
      "region:imageId",
    ],
  ])("rejects %s clearly", (_what, text, message) => {
    expect(() => imageIdFromManifest(text, "cn-beijing")).toThrow(message);
  });
});
