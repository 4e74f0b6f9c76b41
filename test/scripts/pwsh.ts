// Finds pwsh (PowerShell 7) for the tests that run the Windows image scripts: $PWSH, then
// PATH, then where `dotnet tool install --global PowerShell` puts it (.ci/run installs it).
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

const EXECUTABLE = process.platform === "win32" ? "pwsh.exe" : "pwsh";

export function findPwsh(): string {
  const candidates = [
    process.env.PWSH,
    ...(process.env.PATH ?? "").split(delimiter).map((dir) => dir && join(dir, EXECUTABLE)),
    join(process.env.DOTNET_CLI_HOME ?? homedir(), ".dotnet", "tools", EXECUTABLE),
  ];
  const found = candidates.find((path): path is string => !!path && existsSync(path));
  if (!found) {
    throw new Error(
      "pwsh is not installed: run .ci/run, or `dotnet tool install --global PowerShell --version 7.6.9` " +
        "(see images/windows/README.md)",
    );
  }
  return found;
}

/** The Pester suite's runner (exits with the number of failed tests). */
export const PESTER_SUITE = join(__dirname, "Invoke-PesterSuite.ps1");
