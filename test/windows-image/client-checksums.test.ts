// A committed checksum list makes the image's hash known where the client binaries are
// not (CI previews), and is checked against the binaries where they are.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WindowsImage, WindowsImageArgs } from "../../components/windows-image";
import { parseChecksums } from "../../components/windows-image/client-checksums";
import { WINDOWS_IMAGE_CONFIG, withConfigKeys } from "../../components/config-keys";
import { planBuild } from "../../components/windows-image/windows-image";
import { findResource, redactInputs, runDeclarations } from "../helpers/mocks";
import { clientFixture, ClientFixture, imageArgs } from "./fixtures";
import { LOCAL_COMMAND } from "../helpers/types";

function writeChecksums(fixture: ClientFixture): void {
  const lines = readdirSync(fixture.clientDir)
    .filter((name) => name !== "SHA256SUMS")
    .map((name) => {
      const digest = createHash("sha256")
        .update(readFileSync(join(fixture.clientDir, name)))
        .digest("hex");
      return `${digest}  ${name}`;
    });
  writeFileSync(join(fixture.clientDir, "SHA256SUMS"), `${lines.join("\n")}\n`);
}

function args(fixture: ClientFixture, checksums = true): WindowsImageArgs {
  return imageArgs(
    fixture,
    checksums ? { image: { clientChecksumsFile: "client/SHA256SUMS" } } : {},
  );
}

async function previewTrigger(imageArgs: WindowsImageArgs): Promise<unknown> {
  const { resources } = await runDeclarations(() => new WindowsImage("windows-image", imageArgs), {
    preview: true,
  });
  return redactInputs(
    findResource(resources, LOCAL_COMMAND, "windows-image-build").inputs.triggers,
  );
}

describe("client checksum list", () => {
  let fixture: ClientFixture;
  beforeEach(() => {
    fixture = clientFixture();
    writeChecksums(fixture);
  });
  afterEach(() => fixture.remove());

  it("gives the same trigger without the binaries as with them", async () => {
    const withFiles = await previewTrigger(args(fixture));
    for (const name of readdirSync(fixture.clientDir)) {
      if (name !== "SHA256SUMS") rmSync(join(fixture.clientDir, name));
    }
    const withoutFiles = await previewTrigger(args(fixture));
    expect(withFiles).toEqual(withoutFiles);
    expect(JSON.stringify(withoutFiles)).toMatch(/[0-9a-f]{64}/);
  });

  it("without a list, missing binaries leave the trigger unknown", async () => {
    rmSync(join(fixture.clientDir, "hpc-client.exe"));
    expect(await previewTrigger(args(fixture, false))).toEqual(["<computed>"]);
  });

  it("a binary that no longer matches its listed checksum is an error naming the key", () => {
    fixture.write("hpc-client.exe", "a newer build\n");
    expect(() => planBuild("windows-image", args(fixture), true)).toThrow(
      /clientChecksumsFile: .*hpc-client.exe does not match its listed checksum/,
    );
    expect(() =>
      withConfigKeys(WINDOWS_IMAGE_CONFIG, () => planBuild("windows-image", args(fixture), true)),
    ).toThrow(
      /hpc-fleet:image.clientChecksumsFile: .*hpc-client.exe does not match its listed checksum/,
    );
  });

  it("a client file missing from the list is an error naming it", () => {
    const path = join(fixture.clientDir, "SHA256SUMS");
    const lines = readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => !line.includes("us3config"));
    writeFileSync(path, lines.join("\n"));
    expect(() => planBuild("windows-image", args(fixture), true)).toThrow(
      /clientChecksumsFile: lists no checksum for us3config.json/,
    );
  });

  it("parses sha256sum's text and binary markers, and rejects other lines", () => {
    const digest = "a".repeat(64);
    expect([...parseChecksums(`${digest}  dir/x.exe\n${digest} *y.json\n`, "f")]).toEqual([
      ["x.exe", digest],
      ["y.json", digest],
    ]);
    expect(() => parseChecksums("not a checksum line", "SHA256SUMS")).toThrow(/SHA256SUMS line 1/);
  });
});
