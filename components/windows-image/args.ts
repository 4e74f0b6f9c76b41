// The WindowsImage's args and the rules they keep, checked before any resource exists: by
// the component itself, and by the stack config over the fields that parsed
// (config-keys.ts). What needs the disk (the client files) is checked by planBuild.
import type * as pulumi from "@pulumi/pulumi";
import { collectProblems, ownArgName, type ArgName, type ArgProblem } from "../arg-problems";
import type { Tags } from "../tags";

/**
 * A zip of the operator's client files, which CI (or the operator) downloads into
 * clientSourceDir under its own name, checks against `sha256` and unpacks there before
 * `pulumi up`. Its digest stands for the client files in the image's content hash.
 */
export interface ClientArtifact {
  /** `oss://bucket/key` or `https://host/path`, ending in the zip's file name. */
  readonly url: string;
  /** The zip's SHA-256, 64 lowercase hex digits. */
  readonly sha256: string;
}

/** One of the operator's client files, installed into the image. */
export interface ClientFile {
  /** Path relative to clientSourceDir. */
  readonly source: string;
  /** Absolute Windows path in the image. */
  readonly destination: string;
}

/**
 * Plain values, not Inputs, but for the build network's ids: whether to build is decided
 * while declaring, and the client files are read then, to hash them.
 */
export interface WindowsImageArgs {
  /** An image to use as it is: nothing is built, no build arg is needed. Defaults to none. */
  readonly existingImageId?: string;
  /**
   * The id of the Windows image the build starts from. This, or sourceImageName, is
   * required unless existingImageId is set; not with sourceImageName.
   */
  readonly sourceImage?: string;
  /**
   * A regular expression over public (system) image names: the build starts from the newest
   * Available x86_64 Windows image whose name matches, looked up in the region at each
   * preview and update, so a newly published image rebuilds. Not with sourceImage.
   */
  readonly sourceImageName?: string;
  /** The region to build in; the manifest's image for it is the output. Required. */
  readonly region: string;
  /** The stack name, for the image's description. Required. */
  readonly stack: string;
  /** Instance type of the temporary build instance. Required. */
  readonly buildInstanceType: string;
  /** How Packer reaches the build instance: "public" (an EIP) or "private" (VPC). Required. */
  readonly buildAddress: "public" | "private";
  /** Start of the image's name; the content hash and a timestamp follow. Required. */
  readonly namePrefix: string;
  /** Minutes the build may take; the engine waits a margin longer. Required. */
  readonly buildTimeoutMinutes: number;
  /** Directory of the client files' sources, itself relative to projectDir. Required. */
  readonly clientSourceDir: string;
  /** The operator's client files, baked into the image. Required. */
  readonly clientFiles: readonly ClientFile[];
  /** A sha256sum list of the client files, for previews without them. Defaults to none. */
  readonly clientChecksumsFile?: string;
  /** The zip the client files come from; not with clientChecksumsFile. Defaults to none. */
  readonly clientArtifact?: ClientArtifact;
  /** What clientSourceDir and clientChecksumsFile are relative to. Defaults to the cwd. */
  readonly projectDir?: string;
  /** VPC of the build's vSwitch and group. Required unless existingImageId is set. */
  readonly vpcId?: pulumi.Input<string>;
  /** vSwitch the build instance joins. Required unless existingImageId is set. */
  readonly vSwitchId?: pulumi.Input<string>;
  /** Security group of the build instance. Required unless existingImageId is set. */
  readonly buildSecurityGroupId?: pulumi.Input<string>;
  /** The stack's tags; the image adds its role and Name. Required. */
  readonly tags: pulumi.Input<Tags>;
}

/**
 * Every problem with the args that needs no disk, by property path. Each rule runs only
 * when the args it reads are given, so the stack config can check the fields that parsed.
 */
export function windowsImageArgProblems(
  args: Partial<WindowsImageArgs>,
  name: ArgName = ownArgName,
): ArgProblem[] {
  return collectProblems((report) => {
    // Two sources of truth for the same files could disagree on which bytes the image
    // holds; the artifact's digest is the one CI checks, so it is the only one.
    if (args.clientArtifact !== undefined && args.clientChecksumsFile !== undefined) {
      report(
        "clientChecksumsFile",
        `must not be set with ${name("clientArtifact")}, whose digest stands for the client files`,
      );
    }
    // One source of the build's starting image: an id, or a name pattern looked up.
    if (args.sourceImage !== undefined && args.sourceImageName !== undefined) {
      report(
        "sourceImageName",
        `must not be set with ${name("sourceImage")}: give the source image by id or by name pattern, not both`,
      );
    }
    if (args.sourceImageName !== undefined) {
      const invalid = regexProblem(args.sourceImageName);
      if (invalid) report("sourceImageName", invalid);
    }
    if (args.existingImageId !== undefined) return;
    if (!args.sourceImage && args.sourceImageName === undefined) {
      report(
        "sourceImage",
        `is required to build the image (or set ${name("sourceImageName")}, or ${name("existingImageId")})`,
      );
    }
    if (args.vpcId === undefined) report("vpcId", "is required to build the image");
    if (args.vSwitchId === undefined) report("vSwitchId", "is required to build the image");
    if (args.buildSecurityGroupId === undefined) {
      report("buildSecurityGroupId", "is required to build the image");
    }
  });
}

/**
 * Why `pattern` cannot be a name pattern, or undefined. It must compile here (the mocks and
 * tests match with it) and stay within what Go's RE2 reads the same way, as the provider
 * matches names with regexp.Compile (data_source_alicloud_images.go:371): no lookaround
 * or backreferences, which RE2 refuses.
 */
function regexProblem(pattern: string): string | undefined {
  if (pattern.trim() === "") return "must be a regular expression over image names, not empty";
  try {
    new RegExp(pattern);
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
  if (/\(\?(=|!|<=|<!)|\\[1-9]|\\k</.test(pattern)) {
    return "uses lookaround or a backreference, which the provider's Go regexp (RE2) refuses";
  }
  return undefined;
}
