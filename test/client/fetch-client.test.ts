// Fetching the client binaries: only an archive with the stack's SHA-256 is unpacked, an OSS
// object is signed with the job's STS credentials, and every refusal leaves nothing behind.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  archiveFormat,
  ossObjectOf,
  parseClientArtifact,
  stackClient,
} from "../../tools/client/artifact";
import {
  credentialsFrom,
  downloadRequest,
  fetchClient,
  unsafeEntries,
} from "../../tools/client/fetch-client";

const CLIENT_FILES = ["hpc-client.exe", "win_download.exe", "file_list.json", "us3config.json"];
const OSS_URL = "https://perf-artifacts.oss-cn-beijing.aliyuncs.com/hpc-client/1.4.2.tar.gz";

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** An archive of `files` (name -> content) in `format`, as bytes. */
function archive(format: "zip" | "tar.gz", files: Record<string, string>, link?: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "hpc-client-src-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  if (link) symlinkSync("/etc/passwd", join(dir, link));
  const out = join(mkdtempSync(join(tmpdir(), "hpc-client-archive-")), `client.${format}`);
  const names = [...Object.keys(files), ...(link ? [link] : [])];
  if (format === "zip") execFileSync("zip", ["-q", "-y", out, ...names], { cwd: dir });
  else execFileSync("tar", ["-czf", out, ...names], { cwd: dir });
  return readFileSync(out);
}

const CLIENT = Object.fromEntries(CLIENT_FILES.map((file) => [file, `${file} bytes`]));

function project(image: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "hpc-client-project-"));
  const config = {
    config: {
      "alicloud:region": "cn-beijing",
      "hpc-fleet:environment": "dev",
      "hpc-fleet:image": image,
    },
  };
  writeFileSync(join(dir, "Pulumi.dev.yaml"), JSON.stringify(config));
  return dir;
}

interface Served {
  readonly fetchImpl: typeof fetch;
  readonly requests: { url: string; headers: Record<string, string> }[];
}

function serve(body: Buffer, status = 200): Served {
  const requests: Served["requests"] = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    requests.push({ url, headers: { ...(init?.headers as Record<string, string>) } });
    return new Response(
      status === 200 ? new Uint8Array(body) : "<Error><Code>AccessDenied</Code></Error>",
      {
        status,
      },
    );
  }) as typeof fetch;
  return { fetchImpl, requests };
}

const STS = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: "STS.key",
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: "secret",
  ALIBABA_CLOUD_SECURITY_TOKEN: "token",
};
const log = () => undefined;

describe("clientArtifact in the stack file", () => {
  it("takes an https URL of a zip or tar.gz and its sha256", () => {
    const sha = "a".repeat(64);
    expect(parseClientArtifact({ url: OSS_URL, sha256: sha }, "x")).toEqual({
      url: OSS_URL,
      sha256: sha,
      format: "tar.gz",
    });
    expect(archiveFormat("https://h/x.ZIP")).toBe("zip");
    expect(archiveFormat("https://h/x.tgz")).toBe("tar.gz");
  });

  it("refuses everything else, every problem at once", () => {
    expect(() =>
      parseClientArtifact({ url: "http://h/x.zip", sha256: "ABC", extra: 1 }, "c"),
    ).toThrow(
      [
        "c.extra: unknown key (url and sha256 only)",
        'c.url: must be an https URL (got "http://h/x.zip")',
        "c.sha256: must be 64 lowercase hex digits (sha256sum's output)",
      ].join("\n"),
    );
    expect(() =>
      parseClientArtifact({ url: "https://h/x.exe", sha256: "a".repeat(64) }, "c"),
    ).toThrow(/\.zip, \.tar\.gz or \.tgz/);
    expect(() =>
      parseClientArtifact({ url: `${OSS_URL}?x-oss-signature=abc`, sha256: "a".repeat(64) }, "c"),
    ).toThrow(/presigned URL is a credential/);
  });

  it("reads the OSS bucket, region and key from a virtual-hosted URL", () => {
    expect(ossObjectOf(OSS_URL)).toEqual({
      bucket: "perf-artifacts",
      region: "cn-beijing",
      key: "hpc-client/1.4.2.tar.gz",
    });
    expect(ossObjectOf("https://b12.oss-ap-southeast-1-internal.aliyuncs.com/a%20b.zip")).toEqual({
      bucket: "b12",
      region: "ap-southeast-1",
      key: "a b.zip",
    });
    expect(ossObjectOf("https://artifacts.example.com/x.zip")).toBeUndefined();
  });

  it("defaults the client directory and files as the schema does", () => {
    const dir = project({});
    expect(stackClient(join(dir, "Pulumi.dev.yaml"), CLIENT_FILES)).toEqual({
      clientSourceDir: "client",
      clientFiles: CLIENT_FILES,
      builds: true,
    });
  });
});

describe("the download request", () => {
  it("signs an OSS object with the STS token the credentials action exported", () => {
    const request = downloadRequest(OSS_URL, credentialsFrom(STS), new Date(Date.UTC(2026, 11, 1)));
    expect(request.url).toBe(OSS_URL);
    expect(request.headers.authorization).toMatch(
      /^OSS4-HMAC-SHA256 Credential=STS\.key\/20261201\/cn-beijing\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers["x-oss-security-token"]).toBe("token");
  });

  it("sends no credential to any other host, or without credentials", () => {
    expect(
      downloadRequest("https://artifacts.example.com/c.zip", credentialsFrom(STS), new Date())
        .headers,
    ).toEqual({});
    expect(downloadRequest(OSS_URL, credentialsFrom({}), new Date()).headers).toEqual({});
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
  it.each(["tar.gz", "zip"] as const)(
    "unpacks a %s whose SHA-256 matches into the client directory",
    async (format) => {
      const body = archive(format, CLIENT);
      const dir = project({
        clientArtifact: { url: OSS_URL.replace("tar.gz", format), sha256: sha256(body) },
      });
      const served = serve(body);
      await expect(
        fetchClient({ projectDir: dir, stack: "dev", env: STS, fetchImpl: served.fetchImpl, log }),
      ).resolves.toBe("fetched");
      expect(readdirSync(join(dir, "client")).sort()).toEqual([...CLIENT_FILES].sort());
      expect(readFileSync(join(dir, "client", "hpc-client.exe"), "utf8")).toBe(
        "hpc-client.exe bytes",
      );
      expect(served.requests[0].headers.authorization).toMatch(/^OSS4-HMAC-SHA256 /);
      // Nothing is left beside it.
      expect(readdirSync(dir).sort()).toEqual(["Pulumi.dev.yaml", "client"]);
    },
  );

  it("unpacks into image.clientSourceDir", async () => {
    const body = archive("tar.gz", CLIENT);
    const dir = project({
      clientSourceDir: "bin/client",
      clientArtifact: { url: OSS_URL, sha256: sha256(body) },
    });
    await fetchClient({
      projectDir: dir,
      stack: "dev",
      env: STS,
      fetchImpl: serve(body).fetchImpl,
      log,
    });
    expect(existsSync(join(dir, "bin", "client", "us3config.json"))).toBe(true);
  });

  it("fails closed on a SHA-256 mismatch: nothing unpacked, nothing left", async () => {
    const body = archive("tar.gz", CLIENT);
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: "0".repeat(64) } });
    await expect(
      fetchClient({
        projectDir: dir,
        stack: "dev",
        env: STS,
        fetchImpl: serve(body).fetchImpl,
        log,
      }),
    ).rejects.toThrow(
      `SHA-256 ${sha256(body)} is not the stack's ${"0".repeat(64)}; nothing unpacked`,
    );
    expect(readdirSync(dir)).toEqual(["Pulumi.dev.yaml"]);
  });

  it("fails on an HTTP error, saying which", async () => {
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: "0".repeat(64) } });
    await expect(
      fetchClient({
        projectDir: dir,
        stack: "dev",
        env: STS,
        fetchImpl: serve(Buffer.from(""), 403).fetchImpl,
        log,
      }),
    ).rejects.toThrow(/HTTP 403\n<Error><Code>AccessDenied/);
    expect(readdirSync(dir)).toEqual(["Pulumi.dev.yaml"]);
  });

  it("refuses an archive that lacks a client file", async () => {
    const body = archive("tar.gz", { "hpc-client.exe": "x" });
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: sha256(body) } });
    await expect(
      fetchClient({
        projectDir: dir,
        stack: "dev",
        env: STS,
        fetchImpl: serve(body).fetchImpl,
        log,
      }),
    ).rejects.toThrow(
      "lacks files image.clientFiles names (at its root): win_download.exe, file_list.json, us3config.json",
    );
    expect(existsSync(join(dir, "client"))).toBe(false);
  });

  it("refuses symbolic links", async () => {
    const body = archive("tar.gz", CLIENT, "passwd");
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: sha256(body) } });
    await expect(
      fetchClient({
        projectDir: dir,
        stack: "dev",
        env: STS,
        fetchImpl: serve(body).fetchImpl,
        log,
      }),
    ).rejects.toThrow("symbolic links, refused: passwd");
  });

  it("knows entries that would land outside the client directory", () => {
    expect(
      unsafeEntries(["a.exe", "dir/b", "../x", "/etc/x", "a/../../b", "C:\\x", "ok..name"]),
    ).toEqual(["../x", "/etc/x", "a/../../b", "C:\\x"]);
  });

  it("refuses a client directory git would commit", async () => {
    const body = archive("tar.gz", CLIENT);
    const dir = project({
      clientSourceDir: "bin",
      clientArtifact: { url: OSS_URL, sha256: sha256(body) },
    });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    await expect(
      fetchClient({
        projectDir: dir,
        stack: "dev",
        env: STS,
        fetchImpl: serve(body).fetchImpl,
        log,
      }),
    ).rejects.toThrow(/is not ignored by git/);
    writeFileSync(join(dir, ".gitignore"), "/bin/\n");
    await expect(
      fetchClient({
        projectDir: dir,
        stack: "dev",
        env: STS,
        fetchImpl: serve(body).fetchImpl,
        log,
      }),
    ).resolves.toBe("fetched");
  });

  it("the project's own client directory is git-ignored", () => {
    expect(readFileSync(join(__dirname, "../../.gitignore"), "utf8").split("\n")).toContain(
      "/client/",
    );
  });

  it("keeps files already there unless told to replace them", async () => {
    const body = archive("tar.gz", CLIENT);
    const dir = project({ clientArtifact: { url: OSS_URL, sha256: sha256(body) } });
    mkdirSync(join(dir, "client"));
    writeFileSync(join(dir, "client", "old.exe"), "old");
    const run = (replace: boolean) =>
      fetchClient({
        projectDir: dir,
        stack: "dev",
        env: STS,
        fetchImpl: serve(body).fetchImpl,
        log,
        replace,
      });
    await expect(run(false)).rejects.toThrow(/already holds files/);
    await expect(run(true)).resolves.toBe("fetched");
    expect(existsSync(join(dir, "client", "old.exe"))).toBe(false);
  });

  it("needs nothing for a stack that uses an existing image", async () => {
    const dir = project({ existingImageId: "m-abc" });
    await expect(
      fetchClient({
        projectDir: dir,
        stack: "dev",
        fetchImpl: serve(Buffer.from("")).fetchImpl,
        log,
      }),
    ).resolves.toBe("not-needed");
  });

  it("fails a stack that builds but names no archive", async () => {
    const dir = project({});
    await expect(fetchClient({ projectDir: dir, stack: "dev", log })).rejects.toThrow(
      /builds its image but its stack file sets no hpc-fleet:image.clientArtifact/,
    );
  });
});
