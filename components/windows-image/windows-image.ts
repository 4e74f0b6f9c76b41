// hpc:windows-image:WindowsImage — the fleet's Windows image: either an existing image id,
// or a Packer build that runs only when its inputs' hash changes.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { resolve } from "node:path";
import { assertNoProblems, type ArgProblem } from "../arg-problems";
import { ecsPasswordArgs } from "../ecs-password";
import { withFormerType } from "../former-type";
import { resourceTags } from "../tags";
import { windowsImageArgProblems, type WindowsImageArgs } from "./args";
import { buildCommand } from "./build-command";
import { artifactHashedFiles, artifactProblems, unpackedFileProblems } from "./client-artifact";
import { checksummedClientFiles, readChecksums, staleChecksums } from "./client-checksums";
import {
  clashingClientFiles,
  clientSourceDirOf,
  clientHashedFiles,
  missingClientFiles,
  packerEnvironment,
  repositoryBuildFiles,
  resolveClientFiles,
  templateVariables,
  type ResolvedClientFile,
} from "./build-inputs";
import { imageIdFromManifest } from "./manifest";
import { lookUpSourceImage } from "./source-image";
import { imageInputsHash, type HashedFile } from "./trigger-hash";

export const WINDOWS_IMAGE_TYPE = "hpc:windows-image:WindowsImage";
/** The token before it matched its folder; kept as an alias so stacks keep their URNs. */
const FORMER_TYPE = "hpc:image:WindowsImage";

/** Minutes the engine waits for the build beyond Packer's own timeouts. */
const TIMEOUT_MARGIN_MINUTES = 15;

export interface WindowsImageOutputs {
  /** The image the fleet's hosts start from. */
  readonly imageId: pulumi.Output<string>;
  /** SHA-256 of the build inputs; undefined when the args give an existing image. */
  readonly contentHash: pulumi.Output<string | undefined>;
}

/** What a build needs, checked: planBuild gives none for an existing image. */
export interface BuildPlan {
  /** The image to start from: its id, or a name pattern to look the newest one up by. */
  readonly source: { readonly imageId: string } | { readonly namePattern: string };
  readonly vpcId: pulumi.Input<string>;
  readonly vSwitchId: pulumi.Input<string>;
  readonly buildSecurityGroupId: pulumi.Input<string>;
  readonly clientFiles: ResolvedClientFile[];
  /** The client files as hashed: unknown (undefined) when missing and not checksummed. */
  readonly clientHashes: HashedFile[] | undefined;
}

/**
 * Checks the args and, for a build, resolves and reads the client files; throws naming
 * every problem by property path. `preview` tolerates missing client files (the trigger is
 * then unknown): a preview (a PR's plan) may run where the operator's files are not.
 */
export function planBuild(
  name: string,
  args: WindowsImageArgs,
  preview: boolean = pulumi.runtime.isDryRun(),
): BuildPlan | undefined {
  const problems: ArgProblem[] = windowsImageArgProblems(args);
  if (args.existingImageId !== undefined) {
    assertNoProblems(WINDOWS_IMAGE_TYPE, name, problems);
    return undefined;
  }
  const projectDir = args.projectDir ?? process.cwd();
  const clientFiles = resolveClientFiles(args, projectDir);
  problems.push(...clashingClientFiles(clientFiles));
  const missing = missingClientFiles(clientFiles);
  let clientHashes: HashedFile[] | undefined;
  if (args.clientArtifact !== undefined) {
    clientHashes = artifactHashedFiles(args.clientArtifact);
    const sourceDir = clientSourceDirOf(args, projectDir);
    problems.push(...artifactProblems(args.clientArtifact, sourceDir, preview));
  } else if (args.clientChecksumsFile !== undefined) {
    const reportChecksums = (reason: string) =>
      problems.push({ propertyPath: "clientChecksumsFile", reason });
    try {
      const checksums = readChecksums(resolve(projectDir, args.clientChecksumsFile));
      clientHashes = checksummedClientFiles(clientFiles, checksums);
      staleChecksums(clientFiles, checksums).forEach(reportChecksums);
    } catch (error) {
      reportChecksums((error as Error).message);
    }
  } else if (missing.length === 0) {
    clientHashes = clientHashedFiles(clientFiles);
  }
  if (!preview) problems.push(...missing);
  assertNoProblems(WINDOWS_IMAGE_TYPE, name, problems);
  // windowsImageArgProblems has refused a build without these; this tells TypeScript.
  const { sourceImage, sourceImageName, vpcId, vSwitchId, buildSecurityGroupId } = args;
  const source = sourceImage
    ? { imageId: sourceImage }
    : sourceImageName !== undefined
      ? { namePattern: sourceImageName }
      : undefined;
  if (!source || vpcId === undefined || vSwitchId === undefined) {
    throw new Error("unreachable: a build's args are checked above");
  }
  if (buildSecurityGroupId === undefined) throw new Error("unreachable: checked above");
  if (missing.length > 0 && !clientHashes) {
    const files = missing.map((problem) => `${problem.propertyPath}: ${problem.reason}`);
    pulumi.log.warn(
      `${name}: client files missing, so the image's content hash is unknown in this preview ` +
        `(set clientArtifact, or commit a checksum list as clientChecksumsFile, to know it):\n  ${files.join("\n  ")}`,
    );
  }
  return { source, vpcId, vSwitchId, buildSecurityGroupId, clientFiles, clientHashes };
}

/**
 * The client files that are not the client artifact's entries, by property path: the part
 * of the checks that reads inside the zip, which yauzl does asynchronously. The program
 * awaits it before declaring anything (components/fleet-program.ts); planBuild checks
 * the zip's digest itself. Nothing without a clientArtifact or with an existing image.
 */
export async function unpackedClientFileProblems(
  args: Pick<
    WindowsImageArgs,
    "existingImageId" | "clientArtifact" | "clientSourceDir" | "clientFiles" | "projectDir"
  >,
): Promise<ArgProblem[]> {
  if (args.existingImageId !== undefined || args.clientArtifact === undefined) return [];
  const projectDir = args.projectDir ?? process.cwd();
  const files = resolveClientFiles(args, projectDir);
  return unpackedFileProblems(args.clientArtifact, files, clientSourceDirOf(args, projectDir));
}

/**
 * Declares the image's resources as children of `parent`. `plan` is planBuild's, which the
 * component makes before registering; a direct caller may leave it to be made here.
 */
export function declareWindowsImage(
  parent: pulumi.Resource,
  name: string,
  args: WindowsImageArgs,
  plan: BuildPlan | undefined = planBuild(name, args),
): WindowsImageOutputs {
  if (!plan) {
    return {
      imageId: pulumi.output(args.existingImageId as string),
      contentHash: pulumi.output(undefined),
    };
  }
  const { clientFiles, clientHashes, source } = plan;
  // Looked up at every preview and update: a newly published image changes the variables,
  // so the content hash, so the build runs again.
  const sourceImage =
    "imageId" in source
      ? pulumi.output(source.imageId)
      : lookUpSourceImage(parent, source.namePattern, args.region);

  const variables = pulumi
    .all([sourceImage, plan.vpcId, plan.vSwitchId, plan.buildSecurityGroupId, args.tags])
    .apply(([sourceImageId, vpcId, vSwitchId, buildSecurityGroupId, commonTags]) =>
      templateVariables({
        region: args.region,
        stack: args.stack,
        buildInstanceType: args.buildInstanceType,
        buildAddress: args.buildAddress,
        namePrefix: args.namePrefix,
        sourceImage: sourceImageId,
        vpcId,
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

  // The build instance's Administrator password, which Packer logs on over WinRM with.
  const password = new random.RandomPassword(`${name}-winrm-password`, ecsPasswordArgs(), {
    parent,
  });

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
      customTimeouts: { create: `${args.buildTimeoutMinutes + TIMEOUT_MARGIN_MINUTES}m` },
    },
  );

  // The manifest holds no secret; unsecret it in case the provider marks stdout
  // secret because the environment is.
  const imageId = pulumi.unsecret(
    build.stdout.apply((manifest) => imageIdFromManifest(manifest, args.region)),
  );
  return { imageId, contentHash };
}

export class WindowsImage extends pulumi.ComponentResource implements WindowsImageOutputs {
  readonly imageId: pulumi.Output<string>;
  readonly contentHash: pulumi.Output<string | undefined>;

  constructor(name: string, args: WindowsImageArgs, opts?: pulumi.ComponentResourceOptions) {
    // Checked (and the client files read) before any resource exists.
    const plan = planBuild(name, args);
    super(WINDOWS_IMAGE_TYPE, name, {}, withFormerType(FORMER_TYPE, opts));
    const outputs = declareWindowsImage(this, name, args, plan);
    this.imageId = outputs.imageId;
    this.contentHash = outputs.contentHash;
    this.registerOutputs({ ...outputs });
  }
}
