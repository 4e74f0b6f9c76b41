// The workflows' helpers, one command line (`npx ts-node --transpile-only tools/ci/cli.ts ...`):
//   stacks                      every stack and each deploy wave, as JSON step outputs
//   changes --base REF          deploy=true when a file changed since REF can change a deploy
//   offline-diff --base REF --out DIR --cloud-preview runs|fork|no-deploy-change [--pr N]
//                               every stack's offline diff as a PR comment, DIR/comment.md
//                               (and DIR/pr.json for the relay); fails when a plan failed
//   backend --url URL           check the state backend's URL; for an OSS bucket, hand the job's
//                               STS credentials to the CLI's AWS SDK (appended to $GITHUB_ENV)
//   build-access admit --stack S
//                               admit this runner's address to the stack's Packer build group
//   build-access revoke --stack S --security-group ID --cidr CIDR
//                               remove it again (nothing when ID is empty: nothing was admitted)
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CloudPreview } from "./offline-diff";
import { backendEnv, parseBackendUrl } from "./backend";
import { changesDeploy, DEPLOY_PATHS, matchesPaths } from "./paths";
import { describeStack, discoverStacks, stackFileOf, stackOutputs } from "./stacks";
import { writeOutputs } from "./outputs";

/** Where a hosted runner learns the address the internet (and the build instance) sees. */
export const IP_ECHO_URL = "https://checkip.amazonaws.com";

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

const CLOUD_PREVIEWS: readonly CloudPreview[] = ["runs", "fork", "no-deploy-change"];

async function offlineDiff(argv: readonly string[]): Promise<number> {
  const found = options(argv);
  const base = required(found, "base");
  const out = required(found, "out");
  const cloud = required(found, "cloud-preview") as CloudPreview;
  if (!CLOUD_PREVIEWS.includes(cloud)) {
    throw new CliUsageError(`--cloud-preview is one of ${CLOUD_PREVIEWS.join(", ")}`);
  }
  const { diffAllStacks, failed, renderComment } = await import("./offline-diff");
  const results = await diffAllStacks(PROJECT_DIR, base);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "comment.md"), renderComment(results, base, cloud));
  const pr = found.get("pr");
  if (pr !== undefined) {
    if (!/^\d+$/.test(pr)) throw new CliUsageError(`--pr is a pull request number, not ${pr}`);
    writeFileSync(join(out, "pr.json"), `${JSON.stringify({ number: Number(pr) })}\n`);
  }
  const failures = failed(results);
  if (failures.length > 0) {
    process.stderr.write(`The offline plan failed for ${failures.join(", ")} (see the comment)\n`);
    return 1;
  }
  return 0;
}

function backend(argv: readonly string[]): number {
  const parsed = parseBackendUrl(required(options(argv), "url"));
  const env = backendEnv(parsed, process.env);
  process.stdout.write(
    parsed.kind === "oss"
      ? `State backend: OSS bucket ${parsed.bucket} in ${parsed.region}\n`
      : `State backend: Pulumi Cloud at ${parsed.url}\n`,
  );
  const file = process.env.GITHUB_ENV;
  if (file) {
    for (const [name, value] of Object.entries(env)) appendFileSync(file, `${name}=${value}\n`);
  }
  return 0;
}

async function buildAccess(argv: readonly string[]): Promise<number> {
  const [action, ...rest] = argv;
  const found = options(rest);
  const stack = required(found, "stack");
  // Loaded here: the program's planner and the ECS client are heavy for the other commands.
  const { admit, buildGroupOf, ecsCall, revoke, runnerCidr } = await import("./build-access");
  const { planStack } = await import("../plan/plan");
  const { region } = describeStack(PROJECT_DIR, stack);
  const call = ecsCall({ region, env: process.env });
  if (action === "admit") {
    const group = buildGroupOf(await planStack(stackFileOf(PROJECT_DIR, stack)));
    const response = await fetch(IP_ECHO_URL);
    if (!response.ok) throw new Error(`${IP_ECHO_URL}: HTTP ${response.status}`);
    const admission = await admit(call, region, group, runnerCidr(await response.text()));
    if (!admission.securityGroupId) {
      process.stdout.write(
        `::warning::${group.name} does not exist yet (the stack's first up): this runner is not ` +
          `admitted, so a build in this up reaches WinRM only if network.builderCidrs admits it\n`,
      );
    } else {
      process.stdout.write(`Admitted ${admission.cidr} to ${group.name} on WinRM (5986)\n`);
    }
    writeOutputs({ "security-group-id": admission.securityGroupId ?? "", cidr: admission.cidr });
    return 0;
  }
  if (action === "revoke") {
    const groupId = found.get("security-group") ?? "";
    if (groupId === "") return 0;
    const cidr = required(found, "cidr");
    await revoke(call, region, groupId, cidr);
    process.stdout.write(`Revoked ${cidr} from ${groupId}\n`);
    return 0;
  }
  throw new CliUsageError(`build-access admit|revoke, not ${action ?? "(none)"}`);
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
  if (command === "build-access") return buildAccess(rest);
  if (command === "backend") return backend(rest);
  if (command === "offline-diff") return offlineDiff(rest);
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
