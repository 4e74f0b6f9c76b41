// WindowsImage: the fleet's Windows image, either an existing image id from
// config or a Packer build that runs only when its inputs' hash changes.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { resolve } from "node:path";
import { withFormerType } from "../former-type";
import { resourceTags, type Tags } from "../tags";
import { buildCommand } from "./build-command";
import { checksummedClientFiles, readChecksums, staleChecksums } from "./client-checksums";
import {
  clientHashedFiles,
  missingClientFiles,
  packerEnvironment,
  repositoryBuildFiles,
  resolveClientFiles,
  templateVariables,
  type ImageConfig,
  type ResolvedClientFile,
} from "./build-inputs";
import { imageIdFromManifest } from "./manifest";
import { imageInputsHash, type HashedFile } from "./trigger-hash";

export interface WindowsImageArgs {
  /**
   * The stack's `image` config section. Plain values, not Inputs: the client files
   * it names are read while declaring, to hash them. Required.
   */
  readonly image: ImageConfig;
  /** The stack's region (`alicloud:region`): where the image is built. Required. */
  readonly region: string;
  /** The stack name, for the image description. Required. */
  readonly stack: string;
  /** The stack's common tags (`stackTags(config)`); the image adds role and Name. Defaults to {}. */
  readonly tags?: pulumi.Input<Tags>;
  /** Directory image.clientSourceDir is relative to. Defaults to the working directory. */
  readonly projectDir?: string;
  /** vSwitch of the build instance. Required unless image.existingImageId is set. */
  readonly vSwitchId?: pulumi.Input<string>;
  /**
   * Security group of the build instance, admitting WinRM (5986) from the builder
   * CIDRs only. Required unless image.existingImageId is set.
   */
  readonly buildSecurityGroupId?: pulumi.Input<string>;
}

export const WINDOWS_IMAGE_TYPE = "hpc:windows-image:WindowsImage";
/** The token before it matched its folder; kept as an alias so stacks keep their URNs. */
const FORMER_TYPE = "hpc:image:WindowsImage";

/** Minutes the engine waits for the build beyond Packer's own timeouts. */
const TIMEOUT_MARGIN_MINUTES = 15;

export class WindowsImage extends pulumi.ComponentResource {
  /** The image the fleet's hosts start from. */
  readonly imageId: pulumi.Output<string>;
  /** SHA-256 of the build inputs; undefined when config gives an existing image. */
  readonly contentHash: pulumi.Output<string | undefined>;

  constructor(name: string, args: WindowsImageArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated (and the client files resolved) before any resource exists.
    const plan = planBuild(args);
    super(WINDOWS_IMAGE_TYPE, name, {}, withFormerType(FORMER_TYPE, opts));
    const outputs = declareWindowsImage(this, name, args, plan);
    this.imageId = outputs.imageId;
    this.contentHash = outputs.contentHash;
    this.registerOutputs({ imageId: this.imageId, contentHash: this.contentHash });
  }
}

interface WindowsImageOutputs {
  readonly imageId: pulumi.Output<string>;
  readonly contentHash: pulumi.Output<string | undefined>;
}

/** What a build needs, checked: undefined when config names an existing image. */
export interface BuildPlan {
  readonly sourceImage: string;
  readonly vSwitchId: pulumi.Input<string>;
  readonly buildSecurityGroupId: pulumi.Input<string>;
  readonly clientFiles: ResolvedClientFile[];
  /** Client files that are not there: allowed in a preview only. */
  readonly missing: string[];
  /** The client files as hashed: unknown (undefined) when missing and not checksummed. */
  readonly clientHashes: HashedFile[] | undefined;
}

/**
 * Checks the args and resolves the client files; throws naming every problem.
 * `preview` tolerates missing client files (the trigger is then unknown).
 */
export function planBuild(
  args: WindowsImageArgs,
  preview: boolean = pulumi.runtime.isDryRun(),
): BuildPlan | undefined {
  const { image } = args;
  if (image.existingImageId) return undefined;
  const problems: string[] = [];
  if (!image.sourceImage) {
    problems.push("hpc-fleet:image.sourceImage: is required to build the image");
  }
  if (args.vSwitchId === undefined) problems.push("WindowsImage vSwitchId: is required to build");
  if (args.buildSecurityGroupId === undefined) {
    problems.push("WindowsImage buildSecurityGroupId: is required to build");
  }
  let clientFiles: ResolvedClientFile[] = [];
  let missing: string[] = [];
  let clientHashes: HashedFile[] | undefined;
  try {
    const projectDir = args.projectDir ?? process.cwd();
    clientFiles = resolveClientFiles(image, projectDir);
    missing = missingClientFiles(clientFiles);
    if (image.clientChecksumsFile) {
      const checksums = readChecksums(resolve(projectDir, image.clientChecksumsFile));
      clientHashes = checksummedClientFiles(clientFiles, checksums);
      problems.push(...staleChecksums(clientFiles, checksums));
    } else if (missing.length === 0) {
      clientHashes = clientHashedFiles(clientFiles);
    }
  } catch (error) {
    problems.push((error as Error).message);
  }
  // A preview (a PR's plan) may run where the operator's client files are not;
  // the build itself may not.
  if (!preview) problems.push(...missing);
  if (problems.length > 0 || !image.sourceImage || !args.vSwitchId || !args.buildSecurityGroupId) {
    throw new Error(`Cannot build the Windows image:\n  ${problems.join("\n  ")}`);
  }
  if (missing.length > 0 && !clientHashes) {
    pulumi.log.warn(
      "client files missing, so the image's content hash is unknown in this preview " +
        `(commit a checksum list as image.clientChecksumsFile to know it):\n  ${missing.join("\n  ")}`,
    );
  }
  return {
    sourceImage: image.sourceImage,
    vSwitchId: args.vSwitchId,
    buildSecurityGroupId: args.buildSecurityGroupId,
    clientFiles,
    missing,
    clientHashes,
  };
}

function declareWindowsImage(
  parent: pulumi.Resource,
  name: string,
  args: WindowsImageArgs,
  plan: BuildPlan | undefined,
): WindowsImageOutputs {
  const { image, region } = args;
  if (!plan) {
    return {
      imageId: pulumi.output(image.existingImageId!),
      contentHash: pulumi.output(undefined),
    };
  }
  const { clientFiles, clientHashes } = plan;
  const tags = args.tags ?? {};

  const variables = pulumi
    .all([plan.vSwitchId, plan.buildSecurityGroupId, tags])
    .apply(([vSwitchId, buildSecurityGroupId, commonTags]) =>
      templateVariables({
        image,
        region,
        stack: args.stack,
        sourceImage: plan.sourceImage,
        vSwitchId,
        buildSecurityGroupId,
        tags: resourceTags(commonTags, "image", name),
        clientFiles,
      }),
    );
  const contentHash: pulumi.Output<string> =
    clientHashes === undefined
      ? (pulumi.output(pulumi.unknown) as pulumi.Output<string>)
      : variables.apply((values) =>
          imageInputsHash({
            files: [...repositoryBuildFiles(), ...clientHashes],
            variables: values,
          }),
        );

  // ECS rejects some characters in passwords (`_` was seen): a safe set, every class.
  const password = new random.RandomPassword(
    `${name}-winrm-password`,
    {
      length: 24,
      special: true,
      overrideSpecial: "!#%*+-=",
      minUpper: 2,
      minLower: 2,
      minNumeric: 2,
      minSpecial: 2,
    },
    { parent },
  );

  const build = new command.local.Command(
    `${name}-build`,
    {
      create: buildCommand(),
      // The password only here: with it the whole environment is a secret, in the
      // state and in any plan, and it never reaches the command line.
      environment: pulumi
        .all([variables, contentHash, pulumi.secret(password.result)])
        .apply(([values, hash, winrmPassword]) => ({
          ...packerEnvironment(values),
          PKR_VAR_content_hash: hash,
          PKR_VAR_winrm_password: winrmPassword,
        })),
      triggers: [contentHash],
    },
    {
      parent,
      customTimeouts: { create: `${image.buildTimeoutMinutes + TIMEOUT_MARGIN_MINUTES}m` },
    },
  );

  // The manifest holds no secret; unsecret it in case the provider marks stdout
  // secret because the environment is.
  const imageId = pulumi.unsecret(
    build.stdout.apply((manifest) => imageIdFromManifest(manifest, region)),
  );
  return { imageId, contentHash };
}
