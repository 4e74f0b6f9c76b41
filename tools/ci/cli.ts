// The workflows' helpers, one command line (`npx ts-node --transpile-only tools/ci/cli.ts ...`):
//   stacks                      every stack and each deploy wave, as JSON step outputs
//   changes --base REF          deploy=true when a file changed since REF can change a deploy
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { changesDeploy, DEPLOY_PATHS, matchesPaths } from "./paths";
import { discoverStacks, stackOutputs } from "./stacks";
import { writeOutputs } from "./outputs";

export const PROJECT_DIR = resolve(__dirname, "../..");

export class CliUsageError extends Error {}

/** `--name value` pairs after the command. */
export function options(argv: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (let index = 0; index < argv.length; index += 2) {
    const name = argv[index];
    const value = argv[index + 1];
    if (!name.startsWith("--") || value === undefined) {
      throw new CliUsageError(`expected --name value pairs, got ${argv.slice(index).join(" ")}`);
    }
    found.set(name.slice(2), value);
  }
  return found;
}

export function required(found: Map<string, string>, name: string): string {
  const value = found.get(name);
  if (value === undefined) throw new CliUsageError(`--${name} is required`);
  return value;
}

function changedFiles(base: string): string[] {
  const output = execFileSync("git", ["diff", "--name-only", base, "HEAD"], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
  });
  return output.split("\n").filter(Boolean);
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "stacks") {
    writeOutputs(stackOutputs(discoverStacks(PROJECT_DIR)));
    return 0;
  }
  if (command === "changes") {
    const files = changedFiles(required(options(rest), "base"));
    for (const file of files) {
      const deploys = matchesPaths(file, DEPLOY_PATHS);
      process.stdout.write(`${deploys ? "deploy " : "ignored"} ${file}\n`);
    }
    writeOutputs({ deploy: String(changesDeploy(files)) });
    return 0;
  }
  throw new CliUsageError(`unknown command ${command ?? "(none)"}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
