// The client artifact: its digest stands for the client files in the image's hash, so a
// preview without them knows it; wherever the zip and the unpacked files are, they must
// be the configured artifact's, and an `up` needs the zip to show it. The zip's entries
// are read (with yauzl) before the program declares anything.
import { createHash } from "node:crypto";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WindowsImage, WindowsImageArgs } from "../../components/windows-image";
import { WINDOWS_IMAGE_CONFIG, withConfigKeys } from "../../components/config-keys";
import { artifactFileName } from "../../components/windows-image/client-artifact";
import {
  planBuild,
  unpackedClientFileProblems,
} from "../../components/windows-image/windows-image";
import { ZipError, zipFileDigests } from "../../components/windows-image/zip-digests";
import { assertNoProblems } from "../../components/arg-problems";
import { ConfigError, DEFAULT_CLIENT_FILES } from "../../config";
import { findResource, redactInputs, runDeclarations, runStack } from "../helpers/mocks";
import { stackConfig, type ConfigOverrides } from "../helpers/stacks";
import { LOCAL_COMMAND } from "../helpers/types";
import { clientFixture, ClientFixture, imageArgs } from "./fixtures";
import { writeZip } from "./zip";

const ZIP_NAME = "hpc-client-2026.12.zip";
const URL = `oss://perf-lab-artifacts/hpc-client/${ZIP_NAME}`;

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** The zip of the fixture's client files as they are now, written beside them. */
async function writeArtifact(
  fixture: ClientFixture,
  change: Record<string, string> = {},
): Promise<string> {
  const zip = await writeZip(
    DEFAULT_CLIENT_FILES.map((file) => ({
      name: file.source,
      content: change[file.source] ?? `contents of ${file.source}\n`,
    })),
  );
  writeFileSync(join(fixture.clientDir, ZIP_NAME), zip);
  return sha256(zip);
}

function removeClientFiles(fixture: ClientFixture, keepZip: boolean): void {
  for (const name of readdirSync(fixture.clientDir)) {
    if (!keepZip || name !== ZIP_NAME) rmSync(join(fixture.clientDir, name));
  }
}

function args(fixture: ClientFixture, digest: string, url = URL): WindowsImageArgs {
  return imageArgs(fixture, { image: { clientArtifact: { url, sha256: digest } } });
}

async function previewTrigger(imageArgs: WindowsImageArgs): Promise<unknown> {
  const { resources } = await runDeclarations(() => new WindowsImage("windows-image", imageArgs), {
    preview: true,
  });
  return redactInputs(
    findResource(resources, LOCAL_COMMAND, "windows-image-build").inputs.triggers,
  );
}

/**
 * The problems the program finds, as the fleet reports them (under their config keys): the
 * zip's entries first, as the program awaits them before declaring anything, then planBuild's.
 */
async function configProblems(imageArgs: WindowsImageArgs, preview: boolean): Promise<string> {
  try {
    const unpacked = await unpackedClientFileProblems(imageArgs);
    withConfigKeys(WINDOWS_IMAGE_CONFIG, () => {
      assertNoProblems("hpc:windows-image:WindowsImage", "windows-image", unpacked);
      planBuild("windows-image", imageArgs, preview);
    });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
}

describe("the client artifact", () => {
  let fixture: ClientFixture;
  let digest: string;
  beforeEach(async () => {
    fixture = clientFixture();
    digest = await writeArtifact(fixture);
  });
  afterEach(() => fixture.remove());

  it("gives the same trigger with the files, with the zip alone and with neither", async () => {
    const withFiles = await previewTrigger(args(fixture, digest));
    removeClientFiles(fixture, true);
    const zipOnly = await previewTrigger(args(fixture, digest));
    removeClientFiles(fixture, false);
    const neither = await previewTrigger(args(fixture, digest));
    expect(zipOnly).toEqual(withFiles);
    expect(neither).toEqual(withFiles);
    expect(JSON.stringify(neither)).toMatch(/^\["[0-9a-f]{64}"\]$/);
  });

  it("rebuilds for another digest, not for the same digest from another URL", async () => {
    removeClientFiles(fixture, false);
    const first = await previewTrigger(args(fixture, digest));
    const again = await previewTrigger(args(fixture, digest));
    const elsewhere = await previewTrigger(
      args(fixture, digest, `https://artifacts.example.com/hpc/${ZIP_NAME}`),
    );
    const changed = await previewTrigger(args(fixture, "0".repeat(64)));
    expect(again).toEqual(first);
    expect(elsewhere).toEqual(first);
    expect(changed).not.toEqual(first);
  });

  it("builds when the zip and the unpacked files are the configured artifact's", async () => {
    expect(await configProblems(args(fixture, digest), false)).toBe("");
  });

  it("needs the zip for an up, under the key image.clientArtifact", async () => {
    rmSync(join(fixture.clientDir, ZIP_NAME));
    expect(await configProblems(args(fixture, digest), true)).toBe("");
    expect(await configProblems(args(fixture, digest), false)).toMatch(
      new RegExp(`hpc-fleet:image\\.clientArtifact: no zip at .*${ZIP_NAME}: download ${URL}`),
    );
  });

  it("refuses a zip whose digest is not the configured one, preview or not", async () => {
    const other = "f".repeat(64);
    for (const preview of [true, false]) {
      expect(await configProblems(args(fixture, other), preview)).toMatch(
        new RegExp(
          `hpc-fleet:image\\.clientArtifact\\.sha256: is not the SHA-256 of .*\\(${digest}\\)`,
        ),
      );
    }
  });

  it("refuses an unpacked file that is not the zip's, naming the client file's key", async () => {
    // A new zip downloaded, the old files left: the hash would name bytes the build lacks.
    const newDigest = await writeArtifact(fixture, { "hpc-client.exe": "a newer build\n" });
    expect(await configProblems(args(fixture, newDigest), true)).toMatch(
      /hpc-fleet:image\.clientFiles\[0\]\.source: .*hpc-client\.exe is not the artifact's hpc-client\.exe \(unpack .* again\)/,
    );
  });

  it("refuses a client file the zip does not hold", async () => {
    fixture.write("extra.dll", "x");
    const withExtra = imageArgs(fixture, {
      image: {
        clientArtifact: { url: URL, sha256: digest },
        clientFiles: [
          ...DEFAULT_CLIENT_FILES,
          { source: "extra.dll", destination: "C:\\hpc\\client\\extra.dll" },
        ],
      },
    });
    expect(await configProblems(withExtra, false)).toMatch(
      new RegExp(
        `hpc-fleet:image\\.clientFiles\\[4\\]\\.source: extra\\.dll is not in .*${ZIP_NAME}`,
      ),
    );
  });

  it("refuses a zip it cannot read", async () => {
    const garbage = Buffer.from("not a zip at all");
    writeFileSync(join(fixture.clientDir, ZIP_NAME), garbage);
    expect(await configProblems(args(fixture, sha256(garbage)), false)).toMatch(
      /hpc-fleet:image\.clientArtifact: .* is not a zip/,
    );
  });
});

describe("image.clientArtifact in the stack config", () => {
  function problemsFor(overrides: ConfigOverrides): Map<string, string> {
    try {
      stackConfig("dev", overrides);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return new Map(error.problems.map((problem) => [problem.key, problem.reason]));
    }
    return new Map();
  }
  const artifact = (clientArtifact: object) => ({ image: { clientArtifact } });
  const digest = "a".repeat(64);

  test.each([
    `oss://perf-lab-artifacts/${ZIP_NAME}`,
    `oss://perf-lab-artifacts/hpc/client/${ZIP_NAME}`,
    `https://artifacts.example.com/hpc/${ZIP_NAME}`,
    `https://artifacts.example.com:8443/${ZIP_NAME}`,
  ])("takes %s", (url) => {
    expect(problemsFor(artifact({ url, sha256: digest }))).toEqual(new Map());
  });

  test.each([
    ["plain HTTP", `http://artifacts.example.com/${ZIP_NAME}`],
    [
      "a presigned URL (a credential)",
      `https://b.oss-cn-beijing.aliyuncs.com/${ZIP_NAME}?Signature=x`,
    ],
    ["no zip file name", "oss://perf-lab-artifacts/hpc/"],
    ["a bucket name OSS refuses", `oss://Perf_Lab/${ZIP_NAME}`],
    ["another kind of archive", "oss://perf-lab-artifacts/hpc-client.tar.gz"],
  ])("refuses %s as the url", (_case, url) => {
    expect(
      problemsFor(artifact({ url, sha256: digest })).get("hpc-fleet:image.clientArtifact.url"),
    ).toMatch(/must be an oss:\/\/bucket\/key or https:\/\/ URL of a \.zip, without a query/);
  });

  test.each([
    ["upper case", "A".repeat(64)],
    ["too short", "a".repeat(63)],
    ["not hex", "g".repeat(64)],
  ])("refuses a sha256 in %s", (_case, sha256) => {
    expect(
      problemsFor(artifact({ url: URL, sha256 })).get("hpc-fleet:image.clientArtifact.sha256"),
    ).toMatch(/must be a SHA-256 of 64 lowercase hex digits/);
  });

  it("needs both fields and no other", () => {
    const problems = problemsFor(artifact({ url: URL, sha: digest }));
    expect(problems.get("hpc-fleet:image.clientArtifact.sha256")).toMatch(/is required/);
    expect(problems.get("hpc-fleet:image.clientArtifact.sha")).toMatch(/unknown key/);
  });

  it("is refused with image.clientChecksumsFile, under that key", () => {
    const problems = problemsFor({
      image: { clientArtifact: { url: URL, sha256: digest }, clientChecksumsFile: "SHA256SUMS" },
    });
    expect(problems).toEqual(
      new Map([
        [
          "hpc-fleet:image.clientChecksumsFile",
          "must not be set with image.clientArtifact, whose digest stands for the client files",
        ],
      ]),
    );
  });

  it("names the zip after the URL's last segment", () => {
    expect(artifactFileName(URL)).toBe(ZIP_NAME);
    expect(artifactFileName("https://h.example.com/a/hpc%20client.zip")).toBe("hpc client.zip");
  });
});

describe("reading a zip", () => {
  let dir: ClientFixture;
  beforeEach(() => (dir = clientFixture()));
  afterEach(() => dir.remove());

  async function digestsOf(zip: Buffer): Promise<Map<string, string>> {
    const path = join(dir.clientDir, "test.zip");
    writeFileSync(path, zip);
    return zipFileDigests(path);
  }

  it("gives each file's digest, stored or deflated, and skips directories", async () => {
    const digests = await digestsOf(
      await writeZip([
        { name: "bin/", content: "" },
        { name: "bin/hpc-client.exe", content: "exe", compress: false },
        { name: "us3config.json", content: "{}\n".repeat(500) },
      ]),
    );
    expect(digests).toEqual(
      new Map([
        ["bin/hpc-client.exe", sha256(Buffer.from("exe"))],
        ["us3config.json", sha256(Buffer.from("{}\n".repeat(500)))],
      ]),
    );
  });

  it("refuses a damaged entry instead of misreading it", async () => {
    const zip = await writeZip([{ name: "a.exe", content: "x".repeat(100) }]);
    // The local header's signature: the entry's data can no longer be found.
    zip.writeUInt32LE(0, 0);
    await expect(digestsOf(zip)).rejects.toThrow(ZipError);
    await expect(digestsOf(zip)).rejects.toThrow(/cannot be read \(invalid local file header/);
  });

  it("refuses a truncated zip", async () => {
    const zip = await writeZip([{ name: "a.exe", content: "x".repeat(100) }]);
    await expect(digestsOf(zip.subarray(0, zip.length - 10))).rejects.toThrow(
      /is not a zip yauzl can read/,
    );
  });
});

describe("the program with a client artifact", () => {
  // The program's own order: the zip's entries are read before anything is declared.
  it("stops before declaring anything when the unpacked files are not the zip's", async () => {
    const fixture = clientFixture();
    try {
      await writeArtifact(fixture);
      const newDigest = await writeArtifact(fixture, { "hpc-client.exe": "a newer build\n" });
      const run = runStack(
        "dev",
        {
          image: {
            clientSourceDir: fixture.clientDir,
            clientArtifact: { url: URL, sha256: newDigest },
          },
        },
        { preview: true },
      );
      await expect(run).rejects.toThrow(
        /hpc-fleet:image\.clientFiles\[0\]\.source: .*hpc-client\.exe is not the artifact's hpc-client\.exe/,
      );
    } finally {
      fixture.remove();
    }
  });
});
