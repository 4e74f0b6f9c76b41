// `npm run images:prune -- -s STACK [--apply]`: deletes the custom images a stack built
// beyond the newest image.keepImages, never one a scaling configuration or an instance
// uses, never the one the stack's state names (its `imageId` output), never another
// stack's, and nothing on doubt. Without --apply it only says what it would delete. The
// deploy runs it after `pulumi up` (images/windows/README.md, "Old images").
//
// The region and image.keepImages come from Pulumi.<STACK>.yaml; the current image from
// `pulumi stack output imageId -s STACK` unless --current-image gives it. Credentials are
// the operator's, as Packer and the OIDC action export them: ALICLOUD_ACCESS_KEY,
// ALICLOUD_SECRET_KEY and ALICLOUD_SECURITY_TOKEN, or ALIBABA_CLOUD_ACCESS_KEY_ID,
// ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN. stderr says what
// happened; stdout is one line of JSON, the PruneReport.
import {
  errorCode,
  ImageCloud,
  IncompleteListing,
  type Credentials,
  type ImageCloudOptions,
} from "./alicloud-images";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseStackConfig } from "../../config/parse";
import { rawConfigFromEntries } from "../../config/read";
import { readStackFile, stackFilePath } from "../mocks/stack-file";
import { decidePrune, IMAGE_ROLE, type KeptImage, type ListedImage } from "./prune-decision";

const PROJECT_DIR = resolve(__dirname, "../..");

export interface PruneSettings {
  readonly region: string;
  readonly project: string;
  readonly stack: string;
  readonly keep: number;
  readonly currentImageId: string;
  readonly ecsEndpoint?: string;
  readonly essEndpoint?: string;
  readonly protocol?: "HTTP" | "HTTPS";
}

export interface PruneReport {
  /**
   * pruned: every deletion decided was done (maybe none); refused: nothing deleted on
   * doubt; failed: nothing deleted, an error; partial: some deletions failed; dry-run.
   */
  readonly outcome: "pruned" | "refused" | "failed" | "partial" | "dry-run";
  readonly reason?: string;
  readonly deleted: readonly string[];
  readonly deletedSnapshots: readonly string[];
  readonly kept: readonly KeptImage[];
  readonly failures: readonly string[];
}

/** The calls a prune makes (ImageCloud's), so the flow can be driven by a fake. */
export type PruneCloud = Pick<
  ImageCloud,
  "listImages" | "scalingConfigurationImageIds" | "instanceCount" | "deleteImage" | "deleteSnapshot"
>;

/** DeleteImage refusals that mean "still needed": the image stays, and a later prune looks again. */
const IMAGE_STILL_NEEDED = new Set([
  "ImageUsingByInstance",
  "ImageUseShared",
  "ImageIsCreating",
  "ImageIsImporting",
  "ImageIsExporting",
  "OperationDenied.ImageCopying",
]);

/** What DeleteSnapshot answers while the image just deleted still holds its snapshot. */
const SNAPSHOT_HELD_BY_IMAGE = "SnapshotCreatedImage";

export class SettingsError extends Error {}

export interface CommandLine {
  readonly stack: string;
  readonly apply: boolean;
  readonly softFail: boolean;
  readonly currentImageId?: string;
}

const USAGE =
  "usage: npm run images:prune -- -s STACK [--apply] [--current-image m-…] [--soft-fail]";

/** The command line; throws a SettingsError saying what is wrong with it. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string", short: "s" },
        apply: { type: "boolean", default: false },
        "soft-fail": { type: "boolean", default: false },
        "current-image": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new SettingsError(`${(error as Error).message}\n${USAGE}`);
  }
  if (!values.stack) throw new SettingsError(`-s STACK is required\n${USAGE}`);
  const current = values["current-image"];
  if (current !== undefined && !/^m-[a-z0-9]+$/.test(current)) {
    throw new SettingsError(
      `--current-image must be an image id such as m-2ze1abc (got ${current})`,
    );
  }
  return {
    stack: values.stack,
    apply: values.apply === true,
    softFail: values["soft-fail"] === true,
    currentImageId: current,
  };
}

/** The stack's region, project and image.keepImages, from its Pulumi.<stack>.yaml. */
export function stackSettings(
  stack: string,
  projectDir: string = PROJECT_DIR,
): Pick<PruneSettings, "region" | "project" | "stack" | "keep"> {
  const file = readStackFile(stackFilePath(projectDir, stack));
  const secret = new Set(file.secretKeys);
  const config = parseStackConfig(
    rawConfigFromEntries(stack, file.config, (key) => secret.has(key)),
  );
  return { region: config.region, project: config.project, stack, keep: config.image.keepImages };
}

/** The image the stack's state names: its `imageId` output, read with the Pulumi CLI. */
export function stateImageId(stack: string, projectDir: string = PROJECT_DIR): string {
  const id = execFileSync("pulumi", ["stack", "output", "imageId", "--stack", stack], {
    cwd: projectDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
  if (!/^m-[a-z0-9]+$/.test(id)) {
    throw new SettingsError(
      `the stack's imageId output is not an image id (${JSON.stringify(id)})`,
    );
  }
  return id;
}

/** Endpoints other than the region's public ones (a VPC endpoint; a local fake in tests). */
function endpointsFromEnv(env: NodeJS.ProcessEnv): Partial<PruneSettings> {
  const protocol = env.HPC_PRUNE_PROTOCOL;
  if (protocol !== undefined && protocol !== "HTTP" && protocol !== "HTTPS") {
    throw new SettingsError(`HPC_PRUNE_PROTOCOL must be HTTP or HTTPS (got ${protocol})`);
  }
  return {
    ecsEndpoint: env.HPC_PRUNE_ECS_ENDPOINT || undefined,
    essEndpoint: env.HPC_PRUNE_ESS_ENDPOINT || undefined,
    protocol,
  };
}

/** The operator's keys, as Packer or the OIDC action export them; undefined without both. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): Credentials | undefined {
  const accessKeyId = env.ALICLOUD_ACCESS_KEY || env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALICLOUD_SECRET_KEY || env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) return undefined;
  const securityToken =
    env.ALICLOUD_SECURITY_TOKEN || env.ALIBABA_CLOUD_SECURITY_TOKEN || env.SECURITY_TOKEN;
  return { accessKeyId, accessKeySecret, securityToken: securityToken || undefined };
}

const explain = (error: unknown) =>
  `${errorCode(error) || (error as Error).name}: ${(error as Error).message}`;

export interface PruneOptions {
  readonly dryRun?: boolean;
  readonly log?: (line: string) => void;
  /** Tries of DeleteSnapshot while the deleted image still holds it. Defaults to 4. */
  readonly snapshotAttempts?: number;
  /** Wait between them. Defaults to 5000 ms. */
  readonly snapshotDelayMs?: number;
}

/** Deletes a deleted image's snapshots, waiting a little while ECS still ties them to it. */
async function deleteSnapshots(
  cloud: PruneCloud,
  image: ListedImage,
  options: PruneOptions,
): Promise<{ deleted: string[]; failures: string[] }> {
  const deleted: string[] = [];
  const failures: string[] = [];
  const attempts = options.snapshotAttempts ?? 4;
  for (const snapshotId of image.snapshotIds) {
    for (let attempt = 1; ; attempt++) {
      try {
        await cloud.deleteSnapshot(snapshotId);
        deleted.push(snapshotId);
        break;
      } catch (error) {
        if (errorCode(error) === SNAPSHOT_HELD_BY_IMAGE && attempt < attempts) {
          await new Promise((resolve) => setTimeout(resolve, options.snapshotDelayMs ?? 5000));
          continue;
        }
        failures.push(
          `snapshot ${snapshotId} of deleted image ${image.id} kept: ${explain(error)}`,
        );
        break;
      }
    }
  }
  return { deleted, failures };
}

export async function pruneImages(
  cloud: PruneCloud,
  settings: PruneSettings,
  options: PruneOptions = {},
): Promise<PruneReport> {
  const log = options.log ?? (() => undefined);
  const empty = { deleted: [], deletedSnapshots: [], kept: [], failures: [] };
  let images: ListedImage[];
  let inUse: Set<string>;
  try {
    images = await cloud.listImages({
      project: settings.project,
      stack: settings.stack,
      role: IMAGE_ROLE,
    });
    inUse = await cloud.scalingConfigurationImageIds();
  } catch (error) {
    const outcome = error instanceof IncompleteListing ? "refused" : "failed";
    return { ...empty, outcome, reason: `listing: ${explain(error)}` };
  }
  log(
    `${images.length} image(s) tagged project=${settings.project} stack=${settings.stack} ` +
      `role=${IMAGE_ROLE}; ${inUse.size} image(s) named by scaling configurations`,
  );
  const decision = decidePrune({
    images,
    inUseImageIds: inUse,
    currentImageId: settings.currentImageId,
    keep: settings.keep,
    stackTags: { project: settings.project, stack: settings.stack },
  });
  if (decision.kind === "refuse") {
    return { ...empty, outcome: "refused", reason: decision.reason, kept: decision.kept };
  }
  const kept = [...decision.kept];
  // DescribeImages' Usage may lag behind a launch: ask DescribeInstances of each candidate.
  const remove: ListedImage[] = [];
  try {
    for (const image of decision.remove) {
      const instances = await cloud.instanceCount(image.id);
      if (instances > 0)
        kept.push({ id: image.id, reason: `${instances} instance(s) run from it` });
      else remove.push(image);
    }
  } catch (error) {
    const outcome = error instanceof IncompleteListing ? "refused" : "failed";
    return { ...empty, outcome, reason: `instances: ${explain(error)}`, kept };
  }
  if (options.dryRun) {
    return { ...empty, outcome: "dry-run", deleted: remove.map((image) => image.id), kept };
  }
  const deleted: string[] = [];
  const deletedSnapshots: string[] = [];
  const failures: string[] = [];
  for (const image of remove) {
    try {
      await cloud.deleteImage(image.id);
    } catch (error) {
      if (IMAGE_STILL_NEEDED.has(errorCode(error))) {
        kept.push({ id: image.id, reason: `ECS refused to delete it (${errorCode(error)})` });
      } else {
        failures.push(`image ${image.id} kept: ${explain(error)}`);
      }
      continue;
    }
    deleted.push(image.id);
    log(`deleted ${image.id} (${image.name ?? "unnamed"}, made ${image.creationTime})`);
    const snapshots = await deleteSnapshots(cloud, image, options);
    deletedSnapshots.push(...snapshots.deleted);
    failures.push(...snapshots.failures);
  }
  return {
    outcome: failures.length > 0 ? "partial" : "pruned",
    deleted,
    deletedSnapshots,
    kept,
    failures,
  };
}

/** What a report says to a person, each line ready for stderr. */
export function describeReport(report: PruneReport): string[] {
  const lines: string[] = [];
  const head = "hpc-fleet image prune";
  if (report.outcome === "refused" || report.outcome === "failed") {
    lines.push(`${head}: NOTHING DELETED (${report.outcome}): ${report.reason}`);
  } else if (report.outcome === "dry-run") {
    lines.push(
      `${head} (dry run, --apply to delete): would delete ${report.deleted.join(", ") || "nothing"}`,
    );
  } else {
    lines.push(`${head}: deleted ${report.deleted.join(", ") || "nothing"}`);
  }
  for (const kept of report.kept) lines.push(`  kept ${kept.id}: ${kept.reason}`);
  for (const failure of report.failures) lines.push(`  FAILED: ${failure}`);
  return lines;
}

/** The settings for one stack's prune: its stack file, the state's image, the environment. */
export function pruneSettings(
  commandLine: CommandLine,
  env: NodeJS.ProcessEnv,
  projectDir: string = PROJECT_DIR,
): PruneSettings {
  return {
    ...stackSettings(commandLine.stack, projectDir),
    currentImageId: commandLine.currentImageId ?? stateImageId(commandLine.stack, projectDir),
    ...endpointsFromEnv(env),
  };
}

/** Runs a prune as the command line says; resolves to the exit code. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  projectDir: string = PROJECT_DIR,
): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let softFail = argv.includes("--soft-fail");
  let report: PruneReport;
  try {
    const commandLine = parseCommandLine(argv);
    softFail = commandLine.softFail;
    const settings = pruneSettings(commandLine, env, projectDir);
    const credentials = credentialsFromEnv(env);
    if (!credentials) {
      throw new SettingsError(
        "set ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY (or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET)",
      );
    }
    const options: ImageCloudOptions = { ...settings, credentials };
    report = await pruneImages(new ImageCloud(options), settings, {
      dryRun: !commandLine.apply,
      log,
    });
  } catch (error) {
    const empty = { deleted: [], deletedSnapshots: [], kept: [], failures: [] };
    report = { ...empty, outcome: "failed", reason: explain(error) };
  }
  describeReport(report).forEach(log);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  const done = report.outcome === "pruned" || report.outcome === "dry-run";
  return done || softFail ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      // Only a bug gets here; with --soft-fail it still must not fail the `up`.
      process.stderr.write(`hpc-fleet image prune: NOTHING DELETED: ${String(error)}\n`);
      process.exit(process.argv.includes("--soft-fail") ? 0 : 1);
    },
  );
}
