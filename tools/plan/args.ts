// Command-line arguments of the offline plan.
import { isAbsolute, resolve } from "node:path";
import { stackFilePath } from "../mocks/stack-file";

export interface PlanArgs {
  readonly stackFile: string;
  readonly json: boolean;
}

export const USAGE = `Usage: npm run plan -- [--stack NAME | --config-file PATH] [--json]

Plans a stack offline: runs the real program under Pulumi's mocks with the
stack's config and prints what it would declare. Needs no cloud credentials,
no Pulumi CLI and no network. Encrypted config values get placeholders.

  --stack NAME         plan Pulumi.NAME.yaml in the project (default: dev)
  --config-file PATH   plan a stack file anywhere (named Pulumi.<stack>.yaml)
  --json               print {"stack","resources","outputs"} as JSON
  --help               show this text`;

export class UsageError extends Error {}

export function parsePlanArgs(argv: readonly string[], projectDir: string): PlanArgs | "help" {
  let stack: string | undefined;
  let configFile: string | undefined;
  let json = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--json") json = true;
    else if (arg === "--stack") stack = value();
    else if (arg === "--config-file") configFile = value();
    else throw new UsageError(`unknown argument ${arg}`);
  }
  if (stack !== undefined && configFile !== undefined) {
    throw new UsageError("give --stack or --config-file, not both");
  }
  const stackFile = configFile
    ? isAbsolute(configFile)
      ? configFile
      : resolve(process.cwd(), configFile)
    : stackFilePath(projectDir, stack ?? "dev");
  return { stackFile, json };
}
