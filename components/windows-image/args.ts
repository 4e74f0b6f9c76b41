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
  /** The Windows image the build starts from. Required unless existingImageId is set. */
  readonly sourceImage?: string;
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
    if (args.existingImageId !== undefined) return;
    if (!args.sourceImage) {
      report("sourceImage", `is required to build the image (or set ${name("existingImageId")})`);
    }
    if (args.vpcId === undefined) report("vpcId", "is required to build the image");
    if (args.vSwitchId === undefined) report("vSwitchId", "is required to build the image");
    if (args.buildSecurityGroupId === undefined) {
      report("buildSecurityGroupId", "is required to build the image");
    }
  });
}
