// `npm run plan -- ...`: the offline plan's command line.
import { existsSync } from "node:fs";
import { ConfigError } from "../../config";
import { stackNameOf } from "../mocks/stack-file";
import { parsePlanArgs, UsageError, USAGE } from "./args";
import { baseSource } from "./base";
import { diffPlans } from "./diff";
import { planStack, PROJECT_DIR } from "./plan";
import { renderPlan, renderViolations } from "./render";
import { renderDiff } from "./render-diff";

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
  if (args.diff !== undefined) {
    const stack = stackNameOf(args.stackFile);
    const base = baseSource(PROJECT_DIR, args.diff, stack);
    // A git ref's base plans in a child process while this tree's plan runs here; a stack
    // file's runs here, after it (one program, run twice).
    const pending = base.inProcess ? undefined : base.plan();
    const head = await planStack(args.stackFile);
    const basePlan = await (pending ?? base.plan());
    const diff = diffPlans(basePlan, head);
    process.stdout.write(
      args.json
        ? `${JSON.stringify({ ...diff, base: base.label }, null, 2)}\n`
        : `${renderDiff(diff, base.label)}\n`,
    );
    return 0;
  }
  const plan = await planStack(args.stackFile, undefined, undefined, { policy: args.policy });
  process.stdout.write(args.json ? `${JSON.stringify(plan, null, 2)}\n` : `${renderPlan(plan)}\n`);
  if (!plan.violations) return 0;
  if (!args.json) process.stdout.write(`\n${renderViolations(plan.violations)}\n`);
  return plan.violations.some((violation) => violation.enforcement === "mandatory") ? 1 : 0;
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
