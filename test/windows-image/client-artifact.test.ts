// The client artifact: its digest stands for the client files in the image's hash, so a
// preview without them knows it; wherever the zip and the unpacked files are, they must
// be the configured artifact's, and an `up` needs the zip to show it.
import { createHash } from "node:crypto";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WindowsImage, WindowsImageArgs } from "../../components/windows-image";
import { WINDOWS_IMAGE_CONFIG, withConfigKeys } from "../../components/config-keys";
import { artifactFileName } from "../../components/windows-image/client-artifact";
import { planBuild } from "../../components/windows-image/windows-image";
import { zipEntries } from "../../components/windows-image/zip-entries";
import { ConfigError, DEFAULT_CLIENT_FILES } from "../../config";
import { findResource, redactInputs, runDeclarations } from "../helpers/mocks";
import { stackConfig, type ConfigOverrides } from "../helpers/stacks";
import { LOCAL_COMMAND } from "../helpers/types";
import { clientFixture, ClientFixture, imageArgs } from "./fixtures";
import { writeZip } from "./zip";

const ZIP_NAME = "hpc-client-2026.12.zip";
const URL = `oss://perf-lab-artifacts/hpc-client/${ZIP_NAME}`;

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** The zip of the fixture's client files as they are now, written beside them. */
function writeArtifact(fixture: ClientFixture, change: Record<string, string> = {}): string {
  const zip = writeZip(
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

/** The problems planBuild finds, as the fleet reports them: under their config keys. */
function configProblems(imageArgs: WindowsImageArgs, preview: boolean): string {
  try {
    withConfigKeys(WINDOWS_IMAGE_CONFIG, () => planBuild("windows-image", imageArgs, preview));
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
}

describe("the client artifact", () => {
  let fixture: ClientFixture;
  let digest: string;
  beforeEach(() => {
    fixture = clientFixture();
    digest = writeArtifact(fixture);
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

  it("builds when the zip and the unpacked files are the configured artifact's", () => {
    expect(configProblems(args(fixture, digest), false)).toBe("");
  });

  it("needs the zip for an up, under the key image.clientArtifact", () => {
    rmSync(join(fixture.clientDir, ZIP_NAME));
    expect(configProblems(args(fixture, digest), true)).toBe("");
    expect(configProblems(args(fixture, digest), false)).toMatch(
      new RegExp(`hpc-fleet:image\\.clientArtifact: no zip at .*${ZIP_NAME}: download ${URL}`),
    );
  });

  it("refuses a zip whose digest is not the configured one, preview or not", () => {
    const other = "f".repeat(64);
    for (const preview of [true, false]) {
      expect(configProblems(args(fixture, other), preview)).toMatch(
        new RegExp(
          `hpc-fleet:image\\.clientArtifact\\.sha256: is not the SHA-256 of .*\\(${digest}\\)`,
        ),
      );
    }
  });

  it("refuses an unpacked file that is not the zip's, naming the client file's key", () => {
    // A new zip downloaded, the old files left: the hash would name bytes the build lacks.
    const newDigest = writeArtifact(fixture, { "hpc-client.exe": "a newer build\n" });
    expect(configProblems(args(fixture, newDigest), true)).toMatch(
      /hpc-fleet:image\.clientFiles\[0\]\.source: .*hpc-client\.exe is not the artifact's hpc-client\.exe \(unpack .* again\)/,
    );
  });

  it("refuses a client file the zip does not hold", () => {
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
    expect(configProblems(withExtra, false)).toMatch(
      new RegExp(
        `hpc-fleet:image\\.clientFiles\\[4\\]\\.source: extra\\.dll is not in .*${ZIP_NAME}`,
      ),
    );
  });

  it("refuses a zip it cannot read", () => {
    const garbage = Buffer.from("not a zip at all");
    writeFileSync(join(fixture.clientDir, ZIP_NAME), garbage);
    expect(configProblems(args(fixture, sha256(garbage)), false)).toMatch(
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
  it("gives each file's digest, stored or deflated, and skips directories", () => {
    const zip = writeZip([
      { name: "bin/", content: "" },
      { name: "bin/hpc-client.exe", content: "exe", method: 0 },
      { name: "us3config.json", content: "{}\n".repeat(500) },
    ]);
    const entries = zipEntries(zip);
    expect([...entries.keys()]).toEqual(["bin/hpc-client.exe", "us3config.json"]);
    expect(entries.get("bin/hpc-client.exe")!()).toBe(sha256(Buffer.from("exe")));
    expect(entries.get("us3config.json")!()).toBe(sha256(Buffer.from("{}\n".repeat(500))));
  });

  it("refuses a damaged entry instead of misreading it", () => {
    const zip = writeZip([{ name: "a.exe", content: "x".repeat(100) }]);
    // The local header's signature: the entry's data can no longer be found.
    zip.writeUInt32LE(0, 0);
    expect(() => zipEntries(zip).get("a.exe")!()).toThrow(/a\.exe has no local header/);
  });
});
