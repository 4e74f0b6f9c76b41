// Benchmark: the offline plan's wall time and peak memory for the dev stack at 2
// and 1,000 instances, against an empty program under the same mocks (the floor).
// Goal: cost does not grow with the fleet (1000/2 at most 1.1), within 3x the floor.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import YAML from "yaml";
import { readFileSync } from "node:fs";

const PROJECT_DIR = resolve(__dirname, "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Sample {
  readonly wallMs: number;
  readonly peakRssMb: number;
  readonly resources: number;
}

function devStackWithCount(instanceCount: number): string {
  const document = YAML.parse(readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"));
  document.config["hpc-fleet:fleet"].instanceCount = instanceCount;
  document.config["hpc-fleet:fleet"].maxSize = instanceCount;
  const dir = mkdtempSync(join(tmpdir(), "hpc-bench-plan-"));
  const file = join(dir, "Pulumi.dev.yaml");
  writeFileSync(file, YAML.stringify(document));
  return file;
}

function measureOnce(stackFile: string, programPath: string): Sample {
  const started = process.hrtime.bigint();
  const child = spawnSync(
    process.execPath,
    [
      require.resolve("ts-node/dist/bin.js"),
      "--transpile-only",
      join(__dirname, "measure.ts"),
      stackFile,
      programPath,
    ],
    { cwd: PROJECT_DIR, encoding: "utf8" },
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`plan failed: ${child.stderr}`);
  return { wallMs, ...JSON.parse(child.stdout) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(label: string, stackFile: string, programPath: string): Sample {
  const samples = Array.from({ length: RUNS }, () => measureOnce(stackFile, programPath));
  const result = {
    wallMs: median(samples.map((sample) => sample.wallMs)),
    peakRssMb: median(samples.map((sample) => sample.peakRssMb)),
    resources: samples[0].resources,
  };
  console.log(
    `${label.padEnd(28)} ${result.wallMs.toFixed(0).padStart(7)} ms  ${result.peakRssMb.toFixed(1).padStart(7)} MB  ${result.resources} resources`,
  );
  return result;
}

const program = join(PROJECT_DIR, "index.ts");
console.log(`Offline plan, median of ${RUNS} runs each (wall time incl. process start, peak RSS):`);
const floor = measure(
  "empty program (floor)",
  devStackWithCount(2),
  join(__dirname, "empty-program.ts"),
);
const small = measure("dev, 2 instances", devStackWithCount(2), program);
const large = measure("dev, 1000 instances", devStackWithCount(1000), program);

const ratio = (a: number, b: number): string => (a / b).toFixed(2);
console.log("");
console.log(
  `time   1000/2: ${ratio(large.wallMs, small.wallMs)} (goal <= 1.1)   2/floor: ${ratio(small.wallMs, floor.wallMs)} (goal <= 3)`,
);
console.log(
  `memory 1000/2: ${ratio(large.peakRssMb, small.peakRssMb)} (goal <= 1.1)   2/floor: ${ratio(small.peakRssMb, floor.peakRssMb)} (goal <= 3)`,
);
