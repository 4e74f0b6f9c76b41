// Step outputs for GitHub Actions: `name=value` lines appended to $GITHUB_OUTPUT, and
// printed, so a run's log shows what the next jobs got.
import { appendFileSync } from "node:fs";

export function writeOutputs(
  outputs: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value.includes("\n")) throw new Error(`output ${name} must be one line`);
    const line = `${name}=${value}`;
    print(line);
    if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `${line}\n`);
  }
}
