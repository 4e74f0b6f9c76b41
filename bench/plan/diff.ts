// Benchmark: what `npm run plan -- --diff BASE` costs next to one plan of the same stack,
// each as a whole command (process start, ts-node, the program). The base is planned in
// a child process beside this tree's plan, so on two cores the diff should cost little
// more than one plan. Goal: diff/plan at most 1.5 (median of the pairs' ratios).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import YAML from "yaml";

const PROJECT_DIR = resolve(__dirname, "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** The dev stack with another instance count, as the base of the diff. */
function baseStackFile(): string {
  const document = YAML.parse(readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"));
  document.config["hpc-fleet:fleet"].instanceCount = 3;
  const file = join(mkdtempSync(join(tmpdir(), "hpc-bench-diff-")), "Pulumi.dev.yaml");
  writeFileSync(file, YAML.stringify(document));
  return file;
}

function wallMs(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "tools/plan/cli.ts", ...args],
    { cwd: PROJECT_DIR, encoding: "utf8" },
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`plan ${args.join(" ")} failed: ${child.stderr}`);
  return elapsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const base = baseStackFile();
const plans: number[] = [];
const diffs: number[] = [];
const ratios: number[] = [];
// Pairs, alternating which goes first, so a machine that slows down weighs on both alike.
for (let round = 0; round < RUNS; round++) {
  const pair =
    round % 2 === 0
      ? [wallMs(["--stack", "dev", "--json"]), wallMs(["--stack", "dev", "--diff", base, "--json"])]
      : [
          wallMs(["--stack", "dev", "--diff", base, "--json"]),
          wallMs(["--stack", "dev", "--json"]),
        ].reverse();
  plans.push(pair[0]);
  diffs.push(pair[1]);
  ratios.push(pair[1] / pair[0]);
}
console.log(
  `Offline plan vs --diff of the dev stack, ${RUNS} pairs (wall time incl. process start):`,
);
console.log(`  plan   median ${median(plans).toFixed(0)} ms`);
console.log(`  --diff median ${median(diffs).toFixed(0)} ms`);
console.log(`  diff/plan: ${median(ratios).toFixed(2)} (median of pairs; goal <= 1.5)`);
