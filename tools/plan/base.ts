// The other side of `--diff BASE`: the same stack planned from another stack file (this
// tree's code, in this process after this tree's plan: the program runs twice, loaded
// once), or from another git ref (that ref's code and stack file, in a child process that
// runs beside this tree's plan and shares none of its modules).
import { spawn, execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { planStack, type Plan } from "./plan";

export interface BaseSource {
  /** How the base is named to the reviewer: the file, or `git:<ref> (<sha>)`. */
  readonly label: string;
  /**
   * Starts planning the base and resolves to its plan (an empty plan when the stack does
   * not exist there). In-process bases must start after this tree's plan has finished.
   */
  readonly plan: () => Promise<Plan>;
  /** Whether the base is planned in this process (else concurrently, in a child). */
  readonly inProcess: boolean;
}

/** Runs a planner's CLI with `--json` in `cwd`; rejects with its stderr when it fails. */
function planInChild(cwd: string, args: readonly string[]): Promise<Plan> {
  const tsNode = require.resolve("ts-node/register/transpile-only");
  return new Promise((resolvePlan, reject) => {
    const child = spawn(process.execPath, ["-r", tsNode, "tools/plan/cli.ts", ...args, "--json"], {
      cwd,
      env: { ...process.env, PULUMI_CONFIG: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolvePlan(JSON.parse(stdout) as Plan);
      else reject(new Error(`the base plan failed (exit ${code}):\n${stderr.trim()}`));
    });
  });
}

/**
 * A checkout of `ref` beside this tree, reusing this tree's installed packages: every
 * entry of node_modules is linked, except the workspace's own packages, which point at
 * the ref's copies so the base is planned with the base's contract.
 */
function checkout(projectDir: string, ref: string): { dir: string; sha: string } {
  const sha = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], {
    cwd: projectDir,
    encoding: "utf8",
  }).trim();
  const dir = mkdtempSync(join(tmpdir(), "hpc-plan-base-"));
  execFileSync("sh", ["-c", `git archive "${sha}" | tar -x -C "${dir}"`], { cwd: projectDir });
  const modules = join(projectDir, "node_modules");
  const linked = join(dir, "node_modules");
  mkdirSync(linked);
  for (const entry of readdirSync(modules)) {
    if (entry === "@hpc-fleet") continue;
    symlinkSync(join(modules, entry), join(linked, entry));
  }
  mkdirSync(join(linked, "@hpc-fleet"));
  for (const name of readdirSync(join(modules, "@hpc-fleet"))) {
    // packages/fleet-contract here is packages/fleet-contract there.
    const workspacePath = relative(projectDir, realpathSync(join(modules, "@hpc-fleet", name)));
    const inBase = join(dir, workspacePath);
    if (existsSync(inBase)) symlinkSync(inBase, join(linked, "@hpc-fleet", name));
  }
  return { dir, sha };
}

function emptyPlan(stack: string): Plan {
  return { stack, resources: [], outputs: {} };
}

/**
 * Where `--diff BASE` plans the base of `stack`: a path to a stack file (planned with this
 * tree's code under this stack's name, so only the config differs), or a git ref.
 */
export function baseSource(projectDir: string, base: string, stack: string): BaseSource {
  const asFile = resolve(process.cwd(), base);
  if (/\.ya?ml$/.test(base) || existsSync(asFile)) {
    if (!existsSync(asFile)) throw new Error(`--diff: no stack file at ${asFile}`);
    return {
      label: basename(asFile),
      plan: () => planStack(asFile, undefined, stack),
      inProcess: true,
    };
  }
  const { dir, sha } = checkout(projectDir, base);
  const stackFile = join(dir, `Pulumi.${stack}.yaml`);
  return {
    label: `git:${base} (${sha.slice(0, 7)})`,
    plan: () =>
      (existsSync(stackFile)
        ? planInChild(dir, ["--config-file", stackFile])
        : Promise.resolve(emptyPlan(stack))
      ).finally(() => rmSync(dir, { recursive: true, force: true })),
    inProcess: false,
  };
}
