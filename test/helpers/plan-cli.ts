// Runs the offline plan's command line as operators and CI run it: a child process,
// no credentials, no network.
import { spawnSync } from "node:child_process";
import { PROJECT_DIR } from "./stacks";

export function runPlanCli(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "tools/plan/cli.ts", ...args],
    { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, PULUMI_CONFIG: "" } },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
