// Where a stack's client binaries come from: `hpc-fleet:image.clientArtifact: {url, sha256}`
// in its stack file, an archive (zip or tar.gz) whose root holds the files image.clientFiles
// names, unpacked into image.clientSourceDir. Read from the stack file as written: the config
// schema does not know the key yet (docs/ci.md, "Client binaries").
import { imageSection, readRawConfig } from "../ci/stacks";
import { DEFAULT_CLIENT_SOURCE_DIR } from "../ci/stacks";

export interface ClientArtifact {
  readonly url: string;
  /** Lowercase hex SHA-256 of the archive. */
  readonly sha256: string;
  readonly format: "zip" | "tar.gz";
}

/** An object in OSS, addressed virtual-hosted style as the console shows it. */
export interface OssObject {
  readonly bucket: string;
  /** The bucket's region, e.g. cn-hangzhou. */
  readonly region: string;
  /** Not encoded. */
  readonly key: string;
}

export interface StackClient {
  /** undefined: the stack names no archive. */
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
const SHA256 = /^[0-9a-f]{64}$/;

/** The OSS object an https URL names, or undefined for any other host. */
export function ossObjectOf(url: string): OssObject | undefined {
  const parsed = new URL(url);
  const match = OSS_HOST.exec(parsed.hostname);
  if (!match) return undefined;
  return { bucket: match[1], region: match[2], key: decodeURIComponent(parsed.pathname.slice(1)) };
}

export function archiveFormat(url: string): ClientArtifact["format"] | undefined {
  const path = new URL(url).pathname.toLowerCase();
  if (path.endsWith(".zip")) return "zip";
  if (path.endsWith(".tar.gz") || path.endsWith(".tgz")) return "tar.gz";
  return undefined;
}

/** Checks `clientArtifact` as the schema should (docs/ci.md gives the schema to add). */
export function parseClientArtifact(value: unknown, where: string): ClientArtifact {
  const problems: string[] = [];
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const unknown = Object.keys(record).filter((key) => key !== "url" && key !== "sha256");
  for (const key of unknown) problems.push(`${where}.${key}: unknown key (url and sha256 only)`);
  const { url, sha256 } = record;
  let format: ClientArtifact["format"] | undefined;
  if (typeof url !== "string" || !/^https:\/\/\S+$/.test(url)) {
    problems.push(`${where}.url: must be an https URL (got ${JSON.stringify(url)})`);
  } else {
    try {
      format = archiveFormat(url);
      if (!format) problems.push(`${where}.url: must end in .zip, .tar.gz or .tgz`);
      const parsed = new URL(url);
      if (parsed.search && ossObjectOf(url)) {
        problems.push(`${where}.url: an OSS URL takes no query (a presigned URL is a credential)`);
      }
    } catch {
      problems.push(`${where}.url: is not a URL`);
    }
  }
  if (typeof sha256 !== "string" || !SHA256.test(sha256)) {
    problems.push(`${where}.sha256: must be 64 lowercase hex digits (sha256sum's output)`);
  }
  if (problems.length > 0) throw new ArtifactConfigError(problems.join("\n"));
  return {
    url: url as string,
    sha256: sha256 as string,
    format: format as ClientArtifact["format"],
  };
}

/** What a stack file says about its client binaries. `defaultFiles` are the schema's. */
export function stackClient(stackFile: string, defaultFiles: readonly string[]): StackClient {
  const image = imageSection(readRawConfig(stackFile));
  const where = "hpc-fleet:image.clientArtifact";
  const files = Array.isArray(image.clientFiles)
    ? image.clientFiles.map((file) => String((file as { source?: unknown })?.source))
    : defaultFiles;
  return {
    ...(image.clientArtifact !== undefined
      ? { artifact: parseClientArtifact(image.clientArtifact, where) }
      : {}),
    clientSourceDir:
      typeof image.clientSourceDir === "string" ? image.clientSourceDir : DEFAULT_CLIENT_SOURCE_DIR,
    clientFiles: files,
    builds: image.existingImageId === undefined,
  };
}
