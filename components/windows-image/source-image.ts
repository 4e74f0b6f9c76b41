// The public Windows image a build starts from, found by name pattern: Alibaba publishes a
// dated image every month or so and retires old ones, and the Packer builder looks its
// source up by id only (step_check_source_image.go), so a pinned dated id fails the build
// with "No alicloud image was found" once it is retired.
import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";

/** The stack-config key the pattern comes from, which the no-match error names. */
export const SOURCE_IMAGE_NAME_KEY = "hpc-fleet:image.sourceImageName";

/**
 * What the lookup asks DescribeImages for, beyond the name: public images only (ImageOwnerAlias
 * `system`), usable ones, Windows on x86_64, as the template's WinRM build expects.
 */
export function sourceImageQuery(nameRegex: string) {
  return {
    nameRegex,
    owners: "system",
    status: "Available",
    osType: "windows",
    architecture: "x86_64",
    // With more than one match the provider keeps the latest creation_time
    // (data_source_alicloud_images.go:395-397, mostRecentImage at :472-476).
    mostRecent: true,
  } satisfies alicloud.ecs.GetImagesOutputArgs;
}

/**
 * The id the lookup found for `pattern`; throws, naming the key and the pattern, when it
 * found none (a pattern that matches nothing, or every matching image retired).
 */
export function foundSourceImageId(
  images: readonly { readonly id: string; readonly name: string }[],
  pattern: string,
  region: string,
): string {
  // mostRecent leaves at most one image.
  const [newest] = images;
  if (!newest) {
    throw new Error(
      `${SOURCE_IMAGE_NAME_KEY}: no Available x86_64 Windows public image in ${region} has a ` +
        `name matching ${pattern}; Alibaba may have retired the images it matched. ` +
        `List the current ones with \`aliyun ecs DescribeImages --RegionId ${region} ` +
        `--ImageOwnerAlias system --OSType windows\` and change the pattern`,
    );
  }
  return newest.id;
}

/** The newest public Windows image matching `pattern` in the provider's region, looked up. */
export function lookUpSourceImage(
  parent: pulumi.Resource,
  pattern: string,
  region: string,
): pulumi.Output<string> {
  return alicloud.ecs
    .getImagesOutput(sourceImageQuery(pattern), { parent })
    .apply(({ images }) => foundSourceImageId(images, pattern, region));
}
