// `npm start` / `npm run plan -- ...`: the offline plan's command line.
import { existsSync } from "node:fs";
import { ConfigError } from "../../config";
import { parsePlanArgs, UsageError, USAGE } from "./args";
import { planStack, PROJECT_DIR } from "./plan";
import { renderPlan } from "./render";

async function main(argv: readonly string[]): Promise<number> {
  const args = parsePlanArgs(argv, PROJECT_DIR);
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!existsSync(args.stackFile)) {
    process.stderr.write(`No stack file at ${args.stackFile}\n`);
    return 1;
  }
  const plan = await planStack(args.stackFile);
  process.stdout.write(args.json ? `${JSON.stringify(plan, null, 2)}\n` : `${renderPlan(plan)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
    } else if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    } else {
      process.stderr.write(
        `Plan failed: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
    }
    process.exit(1);
  },
);
