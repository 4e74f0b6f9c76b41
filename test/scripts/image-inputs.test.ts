// The files the Windows image carries must all change the image's trigger hash, or an edit
// to one of them never rebuilds the image.
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import {
  REPO_ROOT,
  repositoryBuildFiles,
  SCRIPTS_DIR,
} from "../../components/windows-image/build-inputs";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name))
      : [relative(REPO_ROOT, join(dir, entry.name)).split(sep).join("/")],
  );
}

describe("the image's scripts", () => {
  // A hash of *.pkr.hcl and *.ps1 alone missed HpcFleet.psm1 and HpcFleet.Autologon.cs.
  it("are all in the trigger hash, whatever their extension", () => {
    const hashed = repositoryBuildFiles().map((file) => file.label);
    expect(hashed).toEqual(expect.arrayContaining(filesUnder(SCRIPTS_DIR)));
  });

  it("in the trigger hash include every PowerShell script", () => {
    const hashed = repositoryBuildFiles().map((file) => file.label);
    const scripts = filesUnder(SCRIPTS_DIR).filter((file) => file.endsWith(".ps1"));
    expect(hashed).toEqual(expect.arrayContaining(scripts));
  });
});
