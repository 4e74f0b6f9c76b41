// Fetches a stack's client binaries before its image build:
//   npx ts-node --transpile-only tools/client/fetch-client.ts --stack NAME [--replace]
// downloads image.clientArtifact.url (an OSS object through the ali-oss SDK, signed with
// OSS V4 and the STS credentials the deploy job assumed), checks the zip's SHA-256 against
// image.clientArtifact.sha256 and refuses anything else (nothing is unpacked from a zip that
// does not match), unpacks it with yauzl into image.clientSourceDir (which git must ignore:
// the binaries are never committed) and leaves the zip there under its own name, where the
// image build checks the unpacked files against it
// (components/windows-image/client-artifact.ts). Fails closed at every step.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import OSS from "ali-oss";
import * as yauzl from "yauzl";
import { artifactFileName } from "../../components/windows-image/client-artifact";
import { stackFileOf } from "../ci/stacks";
import { OssObject, ossObjectOf, stackClient } from "./artifact";

export class FetchClientError extends Error {}

export interface OssCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export interface FetchClientOptions {
  readonly projectDir: string;
  readonly stack: string;
  /** Replace a client directory that already holds files. */
  readonly replace?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** For URLs that are not OSS objects (and OSS objects without credentials). */
  readonly fetchImpl?: typeof fetch;
  /** Where OSS requests go instead of the bucket's own endpoint (a test's fake OSS). */
  readonly ossEndpoint?: string;
  readonly log?: (line: string) => void;
}

export type FetchClientResult = "fetched" | "not-needed";

/** The STS triple configure-aliyun-credentials-action exports, or a developer's own keys. */
export function credentialsFrom(env: NodeJS.ProcessEnv): OssCredentials | undefined {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID || env.ALICLOUD_ACCESS_KEY;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || env.ALICLOUD_SECRET_KEY;
  const securityToken =
    env.ALIBABA_CLOUD_SECURITY_TOKEN || env.ALICLOUD_SECURITY_TOKEN || env.SECURITY_TOKEN;
  if (!accessKeyId || !accessKeySecret) return undefined;
  return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
}

/** A client archive can be large: give a download this long before it is abandoned. */
const DOWNLOAD_TIMEOUT_MS = 30 * 60 * 1000;

/** The ali-oss client for one object: V4 signatures, HTTPS, the job's STS token. */
export function ossClientFor(
  object: OssObject,
  credentials: OssCredentials,
  endpoint?: string,
): OSS {
  return new OSS({
    region: `oss-${object.region}`,
    bucket: object.bucket,
    internal: object.internal,
    secure: true,
    authorizationV4: true,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken ? { stsToken: credentials.securityToken } : {}),
    // The token lives as long as the job; nothing refreshes it. Setting the interval only
    // silences the SDK's advice to configure a refresh.
    refreshSTSTokenInterval: DOWNLOAD_TIMEOUT_MS,
    timeout: DOWNLOAD_TIMEOUT_MS,
    ...(endpoint ? { endpoint, cname: true } : {}),
  });
}

/** The object's public https URL, for a public-read bucket fetched without credentials. */
function objectUrl(object: OssObject): string {
  const key = object.key.split("/").map(encodeURIComponent).join("/");
  const internal = object.internal ? "-internal" : "";
  return `https://${object.bucket}.oss-${object.region}${internal}.aliyuncs.com/${key}`;
}

function hashingInto(path: string, source: Readable): Promise<string> {
  const hash = createHash("sha256");
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return pipeline(source, hashing, createWriteStream(path)).then(() => hash.digest("hex"));
}

interface DownloadSource {
  readonly label: string;
  readonly object?: OssObject;
  readonly url: string;
}

async function download(
  source: DownloadSource,
  into: string,
  options: FetchClientOptions,
): Promise<string> {
  const credentials = credentialsFrom(options.env ?? process.env);
  if (source.object && credentials) {
    const client = ossClientFor(source.object, credentials, options.ossEndpoint);
    let stream: Readable;
    try {
      ({ stream } = (await client.getStream(source.object.key)) as { stream: Readable });
    } catch (error) {
      const { status, code, message } = error as {
        status?: number;
        code?: string;
        message: string;
      };
      throw new FetchClientError(
        `GET ${source.label}: ${status ? `HTTP ${status} ` : ""}${code ?? ""} ${message}`.trim(),
      );
    }
    return hashingInto(into, stream);
  }
  const url = source.object ? objectUrl(source.object) : source.url;
  const response = await (options.fetchImpl ?? fetch)(url, { redirect: "error" });
  if (!response.ok || !response.body) {
    const detail = (await response.text().catch(() => "")).slice(0, 500);
    throw new FetchClientError(
      `GET ${url}: HTTP ${response.status}${detail ? `\n${detail}` : ""}` +
        (source.object ? " (no credentials: the object was fetched unsigned)" : ""),
    );
  }
  return hashingInto(
    into,
    Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
  );
}

/** S_IFLNK in the high half of a zip entry's external attributes (Unix archivers set it). */
function isSymbolicLink(entry: yauzl.Entry): boolean {
  return ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

/**
 * Unpacks `archive` into `into` with yauzl, which refuses absolute names, `..` and
 * backslashes (strictFileNames) and entries whose size is not the one declared. Symbolic
 * links and encrypted entries are refused here. Returns the files' names.
 */
export async function unzip(archive: string, into: string): Promise<string[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(archive, {
      lazyEntries: true,
      strictFileNames: true,
      validateEntrySizes: true,
    });
  } catch (error) {
    throw new FetchClientError(`the archive is not a readable zip: ${(error as Error).message}`);
  }
  const files: string[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (isSymbolicLink(entry)) {
        throw new FetchClientError(`the archive holds a symbolic link, refused: ${name}`);
      }
      if (entry.isEncrypted()) throw new FetchClientError(`the archive's ${name} is encrypted`);
      const target = resolve(into, name);
      if (target !== into && !target.startsWith(`${into}${sep}`)) {
        throw new FetchClientError(`the archive's ${name} would land outside the directory`);
      }
      if (name.endsWith("/")) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      files.push(name);
    }
  } catch (error) {
    if (error instanceof FetchClientError) throw error;
    throw new FetchClientError(`the archive cannot be unpacked: ${(error as Error).message}`);
  } finally {
    zip.close();
  }
  return files;
}

/** Whether git would ignore `path` (true outside a git work tree: nothing to commit it to). */
function gitIgnores(projectDir: string, path: string): boolean {
  try {
    execFileSync("git", ["rev-parse", "--is-inside-work-tree"], {
      cwd: projectDir,
      stdio: "ignore",
    });
  } catch {
    return true;
  }
  try {
    // The trailing slash: a directory pattern (/client/) matches a directory not created yet.
    execFileSync("git", ["check-ignore", "-q", `${path}/`], { cwd: projectDir, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export async function fetchClient(options: FetchClientOptions): Promise<FetchClientResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stackFile = stackFileOf(options.projectDir, options.stack);
  if (!existsSync(stackFile)) throw new FetchClientError(`no stack file at ${stackFile}`);
  const client = stackClient(stackFile);
  if (!client.builds) {
    log(
      `${options.stack} uses image.existingImageId: it builds no image and needs no client files`,
    );
    return "not-needed";
  }
  const artifact = client.artifact;
  if (!artifact) {
    throw new FetchClientError(
      `${options.stack} builds its image but its stack file sets no ` +
        `hpc-fleet:image.clientArtifact {url, sha256}: upload the client zip and name it there`,
    );
  }
  const target = isAbsolute(client.clientSourceDir)
    ? client.clientSourceDir
    : resolve(options.projectDir, client.clientSourceDir);
  if (!gitIgnores(options.projectDir, target)) {
    throw new FetchClientError(
      `${target} is not ignored by git: add it to .gitignore, the client binaries are never committed`,
    );
  }
  if (existsSync(target) && readdirSync(target).length > 0 && !options.replace) {
    throw new FetchClientError(`${target} already holds files (--replace to replace them)`);
  }

  const work = join(dirname(target), `.client-download-${randomBytes(4).toString("hex")}`);
  mkdirSync(work, { recursive: true });
  try {
    const zipName = artifactFileName(artifact.url);
    const archive = join(work, zipName);
    const object = ossObjectOf(artifact.url, client.region);
    log(`Downloading ${artifact.url}${object ? " (OSS)" : ""}`);
    const actual = await download(
      { label: artifact.url, url: artifact.url, object },
      archive,
      options,
    );
    if (actual !== artifact.sha256) {
      throw new FetchClientError(
        `${artifact.url}: SHA-256 ${actual} is not the stack's ${artifact.sha256}; nothing unpacked`,
      );
    }
    log(`${zipName}: SHA-256 ${actual} OK`);

    const staged = join(work, "files");
    mkdirSync(staged);
    const files = await unzip(archive, staged);
    if (files.includes(zipName)) {
      throw new FetchClientError(`the archive holds an entry named like itself: ${zipName}`);
    }
    const missing = client.clientFiles.filter((file) => !files.includes(file));
    if (missing.length > 0) {
      throw new FetchClientError(
        `the archive lacks files image.clientFiles names: ${missing.join(", ")}`,
      );
    }
    // The zip stays beside its files: the image build checks them against it.
    renameSync(archive, join(staged, zipName));
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    renameSync(staged, target);
    for (const file of client.clientFiles)
      log(`  ${relative(options.projectDir, join(target, file))}`);
    return "fetched";
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function parseArgs(argv: readonly string[]): { stack: string; replace: boolean } {
  let stack: string | undefined;
  let replace = false;
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === "--stack") stack = argv[++index];
    else if (argv[index] === "--replace") replace = true;
    else throw new FetchClientError(`unknown argument ${argv[index]}`);
  }
  if (!stack) throw new FetchClientError("usage: fetch-client.ts --stack NAME [--replace]");
  return { stack, replace };
}

if (require.main === module) {
  Promise.resolve()
    .then(() =>
      fetchClient({ projectDir: resolve(__dirname, "../.."), ...parseArgs(process.argv.slice(2)) }),
    )
    .then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `fetch-client: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
}
