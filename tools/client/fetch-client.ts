// Fetches a stack's client binaries before its image build:
//   npx ts-node --transpile-only tools/client/fetch-client.ts --stack NAME [--replace]
// downloads image.clientArtifact.url (an OSS object is signed with the STS credentials the
// deploy job assumed), checks the archive's SHA-256 against image.clientArtifact.sha256 and
// refuses anything else (nothing is unpacked from an archive that does not match), unpacks
// it into image.clientSourceDir (which git must ignore: the binaries are never committed),
// and checks that every file image.clientFiles names is there. Fails closed at every step.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DEFAULT_CLIENT_FILES } from "../../config/schema";
import { stackFileOf } from "../ci/stacks";
import { ClientArtifact, ossObjectOf, stackClient } from "./artifact";
import { ossEscape, OssCredentials, signOssV4 } from "./oss-v4";

export class FetchClientError extends Error {}

export interface FetchClientOptions {
  readonly projectDir: string;
  readonly stack: string;
  /** Replace a client directory that already holds files. */
  readonly replace?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly fetchImpl?: typeof fetch;
  readonly now?: () => Date;
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

/** The URL to GET and its headers: an OSS object signed when there are credentials. */
export function downloadRequest(
  url: string,
  credentials: OssCredentials | undefined,
  time: Date,
): { url: string; headers: Record<string, string> } {
  const object = ossObjectOf(url);
  if (!object) return { url, headers: {} };
  const host = new URL(url).host;
  const objectUrl = `https://${host}/${ossEscape(object.key, true)}`;
  if (!credentials) return { url: objectUrl, headers: {} };
  const headers = signOssV4({
    method: "GET",
    bucket: object.bucket,
    key: object.key,
    region: object.region,
    credentials,
    time,
  });
  return { url: objectUrl, headers };
}

/** Entry names an archive must not have: absolute, or climbing out with `..`. */
export function unsafeEntries(names: readonly string[]): string[] {
  return names.filter((name) => {
    const parts = name.replace(/\\/g, "/").split("/");
    return name.startsWith("/") || /^[A-Za-z]:/.test(name) || parts.includes("..");
  });
}

function listEntries(archive: string, format: ClientArtifact["format"]): string[] {
  const output =
    format === "zip"
      ? execFileSync("unzip", ["-Z1", archive], { encoding: "utf8" })
      : execFileSync("tar", ["-tzf", archive], { encoding: "utf8" });
  return output.split("\n").filter(Boolean);
}

function extract(archive: string, format: ClientArtifact["format"], into: string): void {
  if (format === "zip") execFileSync("unzip", ["-q", archive, "-d", into]);
  else
    execFileSync("tar", ["-xzf", archive, "-C", into, "--no-same-owner", "--no-same-permissions"]);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
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

async function download(
  request: { url: string; headers: Record<string, string> },
  into: string,
  fetchImpl: typeof fetch,
): Promise<string> {
  const response = await fetchImpl(request.url, { headers: request.headers, redirect: "error" });
  if (!response.ok || !response.body) {
    const detail = (await response.text().catch(() => "")).slice(0, 500);
    throw new FetchClientError(
      `GET ${request.url}: HTTP ${response.status}${detail ? `\n${detail}` : ""}`,
    );
  }
  const hash = createHash("sha256");
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
    hashing,
    createWriteStream(into),
  );
  return hash.digest("hex");
}

export async function fetchClient(options: FetchClientOptions): Promise<FetchClientResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stackFile = stackFileOf(options.projectDir, options.stack);
  if (!existsSync(stackFile)) throw new FetchClientError(`no stack file at ${stackFile}`);
  const client = stackClient(
    stackFile,
    DEFAULT_CLIENT_FILES.map((file) => file.source),
  );
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
        `hpc-fleet:image.clientArtifact {url, sha256}: upload the client archive and name it there`,
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
    const archive = join(work, `archive.${artifact.format}`);
    const request = downloadRequest(
      artifact.url,
      credentialsFrom(options.env ?? process.env),
      (options.now ?? (() => new Date()))(),
    );
    log(`Downloading ${request.url}${request.headers.authorization ? " (signed)" : ""}`);
    const actual = await download(request, archive, options.fetchImpl ?? fetch);
    if (actual !== artifact.sha256) {
      throw new FetchClientError(
        `${artifact.url}: SHA-256 ${actual} is not the stack's ${artifact.sha256}; nothing unpacked`,
      );
    }
    log(`${archive.split(sep).pop()}: SHA-256 ${actual} OK`);

    const unsafe = unsafeEntries(listEntries(archive, artifact.format));
    if (unsafe.length > 0) {
      throw new FetchClientError(`the archive has entries outside its root: ${unsafe.join(", ")}`);
    }
    const staged = join(work, "files");
    mkdirSync(staged);
    extract(archive, artifact.format, staged);
    const links = filesUnder(staged).filter((path) => lstatSync(path).isSymbolicLink());
    if (links.length > 0) {
      const names = links.map((path) => relative(staged, path)).join(", ");
      throw new FetchClientError(`the archive holds symbolic links, refused: ${names}`);
    }
    const missing = client.clientFiles.filter((file) => !existsSync(join(staged, file)));
    if (missing.length > 0) {
      throw new FetchClientError(
        `the archive lacks files image.clientFiles names (at its root): ${missing.join(", ")}`,
      );
    }
    rmSync(target, { recursive: true, force: true });
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
