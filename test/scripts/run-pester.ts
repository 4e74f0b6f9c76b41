// `npm run test:powershell`: the Windows image scripts' Pester suite under pwsh 7. Exits with
// the suite's exit code, so a failing Pester test fails `npm test`.
import { spawnSync } from "node:child_process";
import { findPwsh, PESTER_SUITE } from "./pwsh";

const result = spawnSync(findPwsh(), ["-NoProfile", "-NonInteractive", "-File", PESTER_SUITE], {
  stdio: "inherit",
});
if (result.error) throw result.error;
process.exit(result.status ?? 1);
