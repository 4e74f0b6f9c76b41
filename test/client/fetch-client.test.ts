// Fetching the client binaries: only a zip with the stack's SHA-256 is unpacked, an OSS
// object is fetched through ali-oss signed with the job's STS credentials, the zip stays
// beside its files for the image build's check, and every refusal leaves nothing behind.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { createServer, IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  artifactProblems,
  unpackedFileProblems,
} from "../../components/windows-image/client-artifact";
import { resolveClientFiles } from "../../components/windows-image/build-inputs";
import { DEFAULT_CLIENT_FILES } from "../../config/schema";
import { ArtifactConfigError, ossObjectOf, stackClient } from "../../tools/client/artifact";
import { credentialsFrom, fetchClient } from "../../tools/client/fetch-client";
import { renameEntry, writeZip, type ZipEntry } from "../windows-image/zip";

const CLIENT_FILES = DEFAULT_CLIENT_FILES.map((file) => file.source);
const OSS_URL = "https://perf-artifacts.oss-cn-beijing.aliyuncs.com/hpc-client/1.4.2.zip";

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A zip of `files` (name -> content); `link` names a symbolic link to /etc/passwd. */
function zip(files: Record<string, string>, link?: string): Promise<Buffer> {
  const entries: ZipEntry[] = Object.entries(files).map(([name, content]) => ({ name, content }));
  if (link) entries.push({ name: link, content: "/etc/passwd", mode: 0o120777 });
  return writeZip(entries);
}

const CLIENT = Object.fromEntries(CLIENT_FILES.map((file) => [file, `${file} bytes`]));

function project(image: Record<string, unknown>, region = "cn-beijing"): string {
  const dir = mkdtempSync(join(tmpdir(), "hpc-client-project-"));
  const config = {
    config: {
      "alicloud:region": region,
      "hpc-fleet:environment": "dev",
      "hpc-fleet:image": image,
    },
  };
  writeFileSync(join(dir, "Pulumi.dev.yaml"), JSON.stringify(config));
  return dir;
}

const STS = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: "STS.key",
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: "secret",
  ALIBABA_CLOUD_SECURITY_TOKEN: "token",
};
const log = () => undefined;

/**
 * A fake OSS endpoint serving one object. Like OSS it refuses (403, an XML error body) a
 * GET without a V4 Authorization for the job's key and region, without the STS token's
 * x-oss-security-token, or without x-oss-date and x-oss-content-sha256
 * (https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4).
 * The signature itself is checked against Alibaba's vectors in oss-signing.test.ts.
 */
interface FakeOss {
  readonly endpoint: string;
  readonly requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function fakeOss(objects: Record<string, Buffer>, region = "cn-beijing"): Promise<FakeOss> {
  const requests: FakeOss["requests"] = [];
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(request.url ?? "");
    requests.push({ path, headers: request.headers });
    const authorization = String(request.headers.authorization ?? "");
    const credential = new RegExp(
      `^OSS4-HMAC-SHA256 Credential=STS\\.key/\\d{8}/${region}/oss/aliyun_v4_request,(AdditionalHeaders=[^,]+,)?Signature=[0-9a-f]{64}$`,
    );
    const refuse = (code: string) => {
      response.writeHead(403, { "content-type": "application/xml", "x-oss-request-id": "fake" });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message><RequestId>fake</RequestId></Error>`,
      );
    };
    if (!credential.test(authorization)) return refuse("SignatureDoesNotMatch");
    if (request.headers["x-oss-security-token"] !== "token") return refuse("InvalidAccessKeyId");
    if (!/^\d{8}T\d{6}Z$/.test(String(request.headers["x-oss-date"])))
      return refuse("AccessDenied");
    if (request.headers["x-oss-content-sha256"] !== "UNSIGNED-PAYLOAD")
      return refuse("AccessDenied");
    const body = objects[path];
    if (!body) {
      response.writeHead(404, { "content-type": "application/xml" });
      response.end("<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>");
      return;
    }
    response.writeHead(200, { "content-length": body.length });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let oss: FakeOss;
let objects: Record<string, Buffer>;
beforeEach(async () => {
  objects = {};
  oss = await fakeOss(objects);
});
afterEach(() => oss.close());

function run(dir: string, extra: Partial<Parameters<typeof fetchClient>[0]> = {}) {
  return fetchClient({
    projectDir: dir,
    stack: "dev",
    env: STS,
    ossEndpoint: oss.endpoint,
    log,
    ...extra,
  });
}

describe("image.clientArtifact, read through the config schema", () => {
  it("takes the schema's defaults for the client directory and files", () => {
    expect(stackClient(join(project({}), "Pulumi.dev.yaml"))).toEqual({
      region: "cn-beijing",
      clientSourceDir: "client",
      clientFiles: CLIENT_FILES,
      builds: true,
    });
  });

  it("refuses what the schema refuses, naming the key: a tar.gz, a query, a bad digest", () => {
    const file = (artifact: unknown) =>
      join(project({ clientArtifact: artifact }), "Pulumi.dev.yaml");
    expect(() =>
      stackClient(file({ url: "https://h.example/c.tar.gz", sha256: "a".repeat(64) })),
    ).toThrow(/hpc-fleet:image\.clientArtifact\.url: .*\.zip/);
    expect(() =>
      stackClient(file({ url: `${OSS_URL}?x-oss-signature=abc`, sha256: "a".repeat(64) })),
    ).toThrow(/hpc-fleet:image\.clientArtifact\.url/);
    expect(() => stackClient(file({ url: OSS_URL, sha256: "ABC" }))).toThrow(
      /hpc-fleet:image\.clientArtifact\.sha256/,
    );
    expect(() => stackClient(file({ url: OSS_URL, sha256: "a".repeat(64), x: 1 }))).toThrow(
      ArtifactConfigError,
    );
  });

  it("finds the OSS bucket, region and key of oss:// (the stack's region) and https URLs", () => {
    expect(ossObjectOf("oss://perf-artifacts/hpc-client/a%20b.zip", "cn-beijing")).toEqual({
      bucket: "perf-artifacts",
      region: "cn-beijing",
      key: "hpc-client/a b.zip",
      internal: false,
    });
    expect(
      ossObjectOf("https://b12.oss-ap-southeast-1-internal.aliyuncs.com/x.zip", "cn-beijing"),
    ).toEqual({ bucket: "b12", region: "ap-southeast-1", key: "x.zip", internal: true });
    expect(ossObjectOf("https://artifacts.example.com/x.zip", "cn-beijing")).toBeUndefined();
  });

  it("reads the keys Packer and the provider read too", () => {
    expect(
      credentialsFrom({
        ALICLOUD_ACCESS_KEY: "a",
        ALICLOUD_SECRET_KEY: "b",
        ALICLOUD_SECURITY_TOKEN: "c",
      }),
    ).toEqual({ accessKeyId: "a", accessKeySecret: "b", securityToken: "c" });
  });
});

describe("fetchClient", () => {
  it("downloads a signed OSS object, unpacks it and keeps the zip the image build checks", async () => {
    const body = await zip(CLIENT);
    objects["/hpc-client/1.4.2.zip"] = body;
    const artifact = { url: OSS_URL, sha256: sha256(body) };
    const dir = project({ clientArtifact: artifact });
    await expect(run(dir)).resolves.toBe("fetched");
    expect(readdirSync(join(dir, "client")).sort()).toEqual([...CLIENT_FILES, "1.4.2.zip"].sort());
    expect(readFileSync(join(dir, "client", "hpc-client.exe"), "utf8")).toBe(
      "hpc-client.exe bytes",
    );
    expect(oss.requests).toHaveLength(1);
    expect(String(oss.requests[0].headers.authorization)).toMatch(/^OSS4-HMAC-SHA256 /);
    // Nothing is left beside it.
    expect(readdirSync(dir).sort()).toEqual(["Pulumi.dev.yaml", "client"]);
    // The image build (main's check) accepts what was unpacked.
    const sourceDir = join(dir, "client");
    const files = resolveClientFiles(
      { clientSourceDir: "client", clientFiles: DEFAULT_CLIENT_FILES },
      dir,
    );
    expect(artifactProblems(artifact, sourceDir, false)).toEqual([]);
    await expect(unpackedFileProblems(artifact, files, sourceDir)).resolves.toEqual([]);
  });

  it("takes an oss:// URL as a bucket in the stack's region", async () => {
    const body = await zip(CLIENT);
    objects["/c/client.zip"] = body;
    const dir = project({
      clientArtifact: { url: "oss://perf-artifacts/c/client.zip", sha256: sha256(body) },
    });
    await expect(run(dir)).resolves.toBe("fetched");
    expect(existsSync(join(dir, "client", "client.zip"))).toBe(true);
  });

  it("unpacks into image.clientSourceDir, keeping the zip's directories", async () => {
    const files = { "bin/hpc-client.exe": "x", "conf/us3config.json": "y" };
    const body = await zip(files);
    objects["/hpc-client/1.4.2.zip"] = body;
    const dir = project({
      clientSourceDir: "bin/client",
      clientFiles: [
        { source: "bin/hpc-client.exe", destination: "C:\\hpc\\client\\hpc-client.exe" },
        { source: "conf/us3config.json", destination: "C:\\hpc\\client\\us3config.json" },
      ],
      clientArtifact: { url: OSS_URL, sha256: sha256(body) },
    });
    await run(dir);
    expect(readFileSync(join(dir, "bin", "client", "conf", "us3config.json"), "utf8")).toBe("y");
  });

  it("fails closed on a SHA-256 mismatch: nothing unpacked, nothing left", async () => {
    const body = await zip(CLIENT);
    objects["/hpc-client/1.4.2.zip"] = body;
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: "0".repeat(64) } });
    await expect(run(dir)).rejects.toThrow(
      `SHA-256 ${sha256(body)} is not the stack's ${"0".repeat(64)}; nothing unpacked`,
    );
    expect(readdirSync(dir)).toEqual(["Pulumi.dev.yaml"]);
  });

  it("fails on OSS's refusal, saying which, when the request carries no token", async () => {
    objects["/hpc-client/1.4.2.zip"] = await zip(CLIENT);
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: "0".repeat(64) } });
    const { ALIBABA_CLOUD_SECURITY_TOKEN: _token, ...withoutToken } = STS;
    await expect(run(dir, { env: withoutToken })).rejects.toThrow(
      /GET https:\/\/perf-artifacts.*: HTTP 403/,
    );
    expect(oss.requests[0].headers["x-oss-security-token"]).toBeUndefined();
    expect(readdirSync(dir)).toEqual(["Pulumi.dev.yaml"]);
  });

  it("fetches any other https URL unsigned, and reports its HTTP error", async () => {
    const body = await zip(CLIENT);
    const seen: RequestInit[] = [];
    const fetchImpl = (async (_url: string, init?: RequestInit) => {
      seen.push(init ?? {});
      return new Response(new Uint8Array(body));
    }) as typeof fetch;
    const dir = project({
      clientArtifact: { url: "https://artifacts.example.com/c.zip", sha256: sha256(body) },
    });
    await expect(run(dir, { fetchImpl })).resolves.toBe("fetched");
    expect(seen[0].headers).toBeUndefined();
    const failing = (async () => new Response("gone", { status: 404 })) as typeof fetch;
    const other = project({
      clientArtifact: { url: "https://artifacts.example.com/c.zip", sha256: sha256(body) },
    });
    await expect(run(other, { fetchImpl: failing })).rejects.toThrow(/HTTP 404\ngone/);
  });

  it("refuses a zip that lacks a client file", async () => {
    const body = await zip({ "hpc-client.exe": "x" });
    objects["/hpc-client/1.4.2.zip"] = body;
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: sha256(body) } });
    await expect(run(dir)).rejects.toThrow(
      "lacks files image.clientFiles names: win_download.exe, file_list.json, us3config.json",
    );
    expect(existsSync(join(dir, "client"))).toBe(false);
  });

  it("refuses symbolic links", async () => {
    const body = await zip(CLIENT, "passwd");
    objects["/hpc-client/1.4.2.zip"] = body;
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: sha256(body) } });
    await expect(run(dir)).rejects.toThrow("symbolic link, refused: passwd");
    expect(existsSync(join(dir, "client"))).toBe(false);
  });

  it.each(["../x.exe", "/etc/x", "a\\..\\b"])("refuses an entry named %s", async (name) => {
    const placeholder = "p".repeat(name.length);
    const safe = await writeZip([
      ...CLIENT_FILES.map((file) => ({ name: file, content: "x" })),
      { name: placeholder, content: "evil" },
    ]);
    const body = renameEntry(safe, placeholder, name);
    objects["/hpc-client/1.4.2.zip"] = body;
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: sha256(body) } });
    await expect(run(dir)).rejects.toThrow(/not a readable zip|cannot be unpacked/);
    expect(readdirSync(dir)).toEqual(["Pulumi.dev.yaml"]);
    expect(existsSync(join(dir, "..", "x.exe"))).toBe(false);
  });

  it("refuses a client directory git would commit", async () => {
    const body = await zip(CLIENT);
    objects["/hpc-client/1.4.2.zip"] = body;
    const dir = project({
      clientSourceDir: "bin",
      clientArtifact: { url: OSS_URL, sha256: sha256(body) },
    });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    await expect(run(dir)).rejects.toThrow(/is not ignored by git/);
    writeFileSync(join(dir, ".gitignore"), "/bin/\n");
    await expect(run(dir)).resolves.toBe("fetched");
  });

  it("the project's own client directory is git-ignored", () => {
    expect(readFileSync(join(__dirname, "../../.gitignore"), "utf8").split("\n")).toContain(
      "/client/",
    );
  });

  it("keeps files already there unless told to replace them", async () => {
    const body = await zip(CLIENT);
    objects["/hpc-client/1.4.2.zip"] = body;
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: sha256(body) } });
    mkdirSync(join(dir, "client"));
    writeFileSync(join(dir, "client", "old.exe"), "old");
    await expect(run(dir, { replace: false })).rejects.toThrow(/already holds files/);
    await expect(run(dir, { replace: true })).resolves.toBe("fetched");
    expect(existsSync(join(dir, "client", "old.exe"))).toBe(false);
  });

  it("needs nothing for a stack that uses an existing image", async () => {
    const dir = project({ existingImageId: "m-abc" });
    await expect(run(dir)).resolves.toBe("not-needed");
    expect(oss.requests).toEqual([]);
  });

  it("fails a stack that builds but names no artifact", async () => {
    await expect(run(project({}))).rejects.toThrow(
      /builds its image but its stack file sets no hpc-fleet:image.clientArtifact/,
    );
  });
});
