// Where a stack's client binaries come from: `hpc-fleet:image.clientArtifact: {url, sha256}`,
// a zip whose entries are the files image.clientFiles names, relative to image.clientSourceDir.
// The key is read through the config schema (config/schema.ts), the one definition the
// image build (components/windows-image/client-artifact.ts) checks the unpacked files by.
import type { z } from "zod";
import { configKey, problemsFromIssues } from "../../config/errors";
import { stackConfigSchema } from "../../config/schema";
import type { ClientArtifact } from "../../components/windows-image/args";
import { readRawConfig } from "../ci/stacks";

export type { ClientArtifact };

/** An object in OSS. */
export interface OssObject {
  readonly bucket: string;
  /** The bucket's region, e.g. cn-hangzhou (no `oss-` prefix). */
  readonly region: string;
  /** Not encoded. */
  readonly key: string;
  /** The bucket's internal (VPC) endpoint, as the URL named it. */
  readonly internal: boolean;
}

export interface StackClient {
  readonly region: string;
  /** undefined: the stack names no artifact. */
  readonly artifact?: ClientArtifact;
  readonly clientSourceDir: string;
  /** Paths relative to clientSourceDir that the image build copies. */
  readonly clientFiles: readonly string[];
  /** The stack builds its image (no image.existingImageId), so it needs the files. */
  readonly builds: boolean;
}

export class ArtifactConfigError extends Error {}

const OSS_HOST =
  /^([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.oss-([a-z0-9-]+?)(-internal)?\.aliyuncs\.com$/;

/**
 * The OSS object a URL names: `oss://bucket/key` (a bucket in the stack's region, as the
 * schema allows) or `https://bucket.oss-<region>.aliyuncs.com/key`; undefined for any other
 * https URL, which is fetched unsigned.
 */
export function ossObjectOf(url: string, stackRegion: string): OssObject | undefined {
  if (url.startsWith("oss://")) {
    const rest = url.slice("oss://".length);
    const slash = rest.indexOf("/");
    return {
      bucket: rest.slice(0, slash),
      region: stackRegion,
      key: decodeURIComponent(rest.slice(slash + 1)),
      internal: false,
    };
  }
  const parsed = new URL(url);
  const match = OSS_HOST.exec(parsed.hostname);
  if (!match) return undefined;
  return {
    bucket: match[1],
    region: match[2],
    key: decodeURIComponent(parsed.pathname.slice(1)),
    internal: match[3] !== undefined,
  };
}

type Section = Record<string, unknown>;

/** `value` by `schema`, or an error naming every bad key as the program would. */
function parsed<T extends z.ZodType>(
  schema: T,
  value: unknown,
  path: string,
  file: string,
): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const problems = problemsFromIssues(result.error.issues, [path], () => [], false);
  throw new ArtifactConfigError(
    `${file}:\n${problems.map((problem) => `  ${problem.key}: ${problem.reason}`).join("\n")}`,
  );
}

/** What a stack file says about its client binaries, validated by the config schema. */
export function stackClient(stackFile: string): StackClient {
  const config: Section = readRawConfig(stackFile);
  const region = parsed(
    stackConfigSchema.shape.region,
    config["alicloud:region"],
    "region",
    stackFile,
  );
  const image = parsed(
    stackConfigSchema.shape.image,
    config[configKey(["image"])],
    "image",
    stackFile,
  );
  return {
    region,
    ...(image.clientArtifact !== undefined ? { artifact: image.clientArtifact } : {}),
    clientSourceDir: image.clientSourceDir,
    clientFiles: image.clientFiles.map((file) => file.source),
    builds: image.existingImageId === undefined,
  };
}
