import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  clientHashedFiles,
  repositoryBuildFiles,
  resolveClientFiles,
  templateVariables,
} from "../../components/windows-image/build-inputs";
import { FileOnDisk, imageInputsHash } from "../../components/windows-image/trigger-hash";
import { stackConfig } from "../helpers/stacks";
import { clientFixture, ClientFixture, resolvedSourceImage, templateInputs } from "./fixtures";

describe("the image's trigger hash", () => {
  let fixture: ClientFixture;
  let copies: string;
  let files: FileOnDisk[];
  let variables: Record<string, string>;

  beforeAll(() => {
    fixture = clientFixture();
    // Copies of every input, so each can be changed without touching the repository.
    copies = mkdtempSync(join(tmpdir(), "hpc-fleet-hash-"));
    const config = stackConfig("dev");
    const clientFiles = resolveClientFiles(config.image, fixture.projectDir);
    files = [...repositoryBuildFiles(), ...clientHashedFiles(clientFiles)].map((file, index) => {
      const path = join(copies, String(index));
      copyFileSync(file.path, path);
      return { label: file.label, path };
    });
    variables = templateVariables(
      templateInputs(config, {
        sourceImage: resolvedSourceImage(config),
        vpcId: "vpc-1",
        vSwitchId: "vsw-1",
        buildSecurityGroupId: "sg-1",
        tags: { team: "perf-lab" },
        clientFiles,
      }),
    );
  });

  afterAll(() => {
    fixture.remove();
    rmSync(copies, { recursive: true });
  });

  it("covers the template, every script and every client file", () => {
    const labels = files.map((file) => file.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        "images/windows/windows.pkr.hcl",
        "images/windows/plugins.pkr.hcl",
        "images/windows/scripts/host/bootstrap.ps1",
        "images/windows/scripts/build/register-bootstrap-task.ps1",
        "client:C:\\hpc\\client\\hpc-client.exe",
        "client:C:\\hpc\\client\\us3config.json",
      ]),
    );
    expect(labels).not.toContain("images/windows/sample.pkrvars.hcl");
  });

  it("is stable for equal inputs, whatever their order", () => {
    const first = imageInputsHash({ files, variables });
    const reordered = {
      files: [...files].reverse(),
      variables: Object.fromEntries(Object.entries(variables).reverse()),
    };
    expect(imageInputsHash(reordered)).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes when any one file changes by one byte", () => {
    const before = imageInputsHash({ files, variables });
    const changed = new Set<string>();
    for (const file of files) {
      const original = readFileSync(file.path);
      writeFileSync(file.path, Buffer.concat([original, Buffer.from(" ")]));
      changed.add(imageInputsHash({ files, variables }));
      writeFileSync(file.path, original);
    }
    expect(changed.size).toBe(files.length);
    expect(changed.has(before)).toBe(false);
    expect(imageInputsHash({ files, variables })).toBe(before);
  });

  it("changes when any one variable changes", () => {
    const before = imageInputsHash({ files, variables });
    const hashes = Object.keys(variables).map((name) =>
      imageInputsHash({ files, variables: { ...variables, [name]: `${variables[name]}x` } }),
    );
    expect(new Set(hashes).size).toBe(Object.keys(variables).length);
    expect(hashes).not.toContain(before);
  });

  it("changes when a client file moves to another destination", () => {
    const before = imageInputsHash({ files, variables });
    const moved = files.map((file) =>
      file.label === "client:C:\\hpc\\client\\file_list.json"
        ? { ...file, label: "client:C:\\hpc\\client\\lists.json" }
        : file,
    );
    expect(imageInputsHash({ files: moved, variables })).not.toBe(before);
  });

  it("cannot confuse a name/value split", () => {
    const a = imageInputsHash({ files: [], variables: { ab: "c" } });
    const b = imageInputsHash({ files: [], variables: { a: "bc" } });
    expect(a).not.toBe(b);
  });
});
