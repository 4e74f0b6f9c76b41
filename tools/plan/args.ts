// Command-line arguments of the offline plan.
import { isAbsolute, resolve } from "node:path";
import { stackFilePath } from "../mocks/stack-file";

export interface PlanArgs {
  readonly stackFile: string;
  readonly json: boolean;
  /** `--diff BASE`: a stack file or a git ref to compare this tree's plan with. */
  readonly diff?: string;
  /** `--policy`: run the mandatory policy pack against the plan; exit 1 on a violation. */
  readonly policy: boolean;
}

export const USAGE = `Usage: npm run plan -- [--stack NAME | --config-file PATH] [--diff BASE] [--policy] [--json]

Plans a stack offline: runs the real program under Pulumi's mocks with the
stack's config and prints what it would declare. Needs no cloud credentials,
no Pulumi CLI and no network. Encrypted config values get placeholders; every
secret prints as [secret:<where it comes from>], wherever it appears.

  --stack NAME, -s NAME   plan Pulumi.NAME.yaml in the project (default: dev)
  --config-file PATH      plan a stack file anywhere (named Pulumi.<stack>.yaml)
  --diff BASE             compare with BASE: a git ref (main, HEAD~1: that ref's code
                          and stack file) or a stack file (this tree's code): per
                          resource created, updated (field by field), replaced (and
                          which field forces it) or deleted, and whether the Windows
                          image is rebuilt and how many hosts the host-manager rolls
  --policy                run the policy pack (policy/, with policy/config/NAME.json) on
                          the plan and exit 1 if it refuses anything
  --json                  print JSON: the plan {"stack","resources","outputs"}, or with
                          --diff {"stack","base","summary","changes"}
  --help                  show this text`;

export class UsageError extends Error {}

export function parsePlanArgs(argv: readonly string[], projectDir: string): PlanArgs | "help" {
  let stack: string | undefined;
  let configFile: string | undefined;
  let diff: string | undefined;
  let json = false;
  let policy = false;
  for (let index = 0; index < argv.length; index++) {
    const [arg, inline] = argv[index].startsWith("--")
      ? argv[index].split(/=(.*)/s)
      : [argv[index]];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++index];
      if (next === undefined || next.startsWith("-")) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === "--help" || arg === "-h") return "help";
    else if (arg === "--json") json = true;
    else if (arg === "--policy") policy = true;
    else if (arg === "--stack" || arg === "-s") stack = value();
    else if (arg === "--config-file") configFile = value();
    else if (arg === "--diff") diff = value();
    else throw new UsageError(`unknown argument ${argv[index]}`);
  }
  if (stack !== undefined && configFile !== undefined) {
    throw new UsageError("give --stack or --config-file, not both");
  }
  const stackFile = configFile
    ? isAbsolute(configFile)
      ? configFile
      : resolve(process.cwd(), configFile)
    : stackFilePath(projectDir, stack ?? "dev");
  return {
    stackFile,
    json,
    policy,
    ...(diff !== undefined ? { diff } : {}),
  };
}
