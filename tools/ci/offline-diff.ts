// The pull-request comment of the offline diff: per stack, what the PR changes (created,
// updated field by field, replaced and why, deleted), whether the Windows image is rebuilt
// and how many hosts roll, computed by `npm run -s plan -- --stack S --diff BASE --json`
// from the code and stack files alone. It needs no secret and no cloud, so it runs for pull
// requests from forks too, where Pulumi's own preview cannot.
import { execFileSync, spawn } from "node:child_process";
import type { PlanDiff } from "../plan/diff";
import { renderDiff, summaryLine } from "../plan/render-diff";
import { stackNames } from "./stacks";

/** The comment's first line: how the relay finds the comment to update in place. */
export const COMMENT_MARKER = "<!-- hpc-fleet:offline-diff -->";
/** GitHub refuses comments over 65,536 characters; leave room for the relay's marker. */
export const MAX_COMMENT_LENGTH = 60_000;

export type StackDiff =
  | { readonly stack: string; readonly diff: PlanDiff; readonly base: string }
  | { readonly stack: string; readonly error: string }
  | { readonly stack: string; readonly removed: true };

export type CloudPreview = "runs" | "fork" | "no-deploy-change";

const CLOUD_NOTE: Record<CloudPreview, string> = {
  runs: "Pulumi's own preview of each stack, with the policy pack, follows in its own comment.",
  fork:
    "Pulumi's own preview does not run for a pull request from a fork: it gets no secrets and " +
    "no OIDC token. A maintainer sees it after merging, in the deploy's plan jobs.",
  "no-deploy-change":
    "No changed file can change a deploy (tools/ci/paths.ts), so Pulumi's own preview was skipped.",
};

/** Runs the offline diff of one stack against `base`, as the brief's command line does. */
export function diffStack(projectDir: string, stack: string, base: string): Promise<StackDiff> {
  return new Promise((resolveDiff) => {
    const child = spawn(
      "npm",
      ["run", "-s", "plan", "--", "--stack", stack, "--diff", base, "--json"],
      { cwd: projectDir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => {
      if (code !== 0) {
        resolveDiff({ stack, error: stderr.trim() || `exit ${code}` });
        return;
      }
      try {
        const parsed = JSON.parse(stdout) as PlanDiff & { base: string };
        const { base: label, ...diff } = parsed;
        resolveDiff({ stack, diff, base: label });
      } catch (error) {
        resolveDiff({ stack, error: `unreadable plan output: ${(error as Error).message}` });
      }
    });
  });
}

/** Stack files the base has and this tree does not. */
export function removedStacks(
  projectDir: string,
  base: string,
  current: readonly string[],
): string[] {
  const files = execFileSync("git", ["ls-tree", "--name-only", base], {
    cwd: projectDir,
    encoding: "utf8",
  }).split("\n");
  return files
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined && !current.includes(stack))
    .sort();
}

export async function diffAllStacks(projectDir: string, base: string): Promise<StackDiff[]> {
  const stacks = stackNames(projectDir);
  const results: StackDiff[] = [];
  // One at a time: each diff plans two trees, and a hosted runner has two cores.
  for (const stack of stacks) results.push(await diffStack(projectDir, stack, base));
  for (const stack of removedStacks(projectDir, base, stacks))
    results.push({ stack, removed: true });
  return results;
}

/** A code fence longer than any backtick run in `text`, so the text cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function tableRow(result: StackDiff): string {
  const name = `\`${result.stack}\``;
  if ("removed" in result)
    return `| ${name} | stack file removed: nothing deploys to it | | | | | |`;
  if ("error" in result) return `| ${name} | **plan failed** (below) | | | | | |`;
  const { summary } = result.diff;
  const image = { yes: "**rebuilt**", no: "not rebuilt", unknown: "unknown" }[summary.imageRebuild];
  const hosts =
    summary.hostsToRoll === "unknown"
      ? "unknown"
      : summary.hostsToRoll === 0
        ? "none"
        : `**${summary.hostsToRoll}**`;
  return `| ${name} | ${summary.create} | ${summary.update} | ${summary.replace} | ${summary.delete} | ${image} | ${hosts} |`;
}

function details(result: StackDiff, maxBody: number): string {
  if ("removed" in result) return "";
  const [summaryText, body] =
    "error" in result
      ? [`plan failed`, result.error]
      : [
          `${result.diff.changes.length} change${result.diff.changes.length === 1 ? "" : "s"}. ${summaryLine(result.diff.summary)}`,
          renderDiff(result.diff, result.base),
        ];
  const cut =
    body.length > maxBody
      ? `${body.slice(0, Math.max(0, maxBody))}\n… (cut to fit a comment: the workflow run's summary has it all)`
      : body;
  return [
    `<details${"error" in result ? " open" : ""}><summary><code>${result.stack}</code>: ${escapeCell(summaryText)}</summary>`,
    "",
    fenced(cut),
    "",
    "</details>",
  ].join("\n");
}

/** The comment: a summary table of every stack, then each stack's diff, collapsed. */
export function renderComment(
  results: readonly StackDiff[],
  base: string,
  cloud: CloudPreview,
  maxLength: number = MAX_COMMENT_LENGTH,
): string {
  const head = [
    COMMENT_MARKER,
    "### Offline plan diff",
    "",
    `Each stack against \`${base}\`, computed from the code and the stack files alone ` +
      `(\`npm run plan -- --stack <stack> --diff ${base}\`): no credentials, no cloud state. ` +
      "Secrets show as `[secret:<source>]`.",
    "",
    "| Stack | Create | Update | Replace | Delete | Windows image | Hosts rolled |",
    "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ...results.map(tableRow),
    "",
  ].join("\n");
  const foot = `\n${CLOUD_NOTE[cloud]}\n`;
  const withDetails = (maxBody: number) =>
    results
      .map((result) => details(result, maxBody))
      .filter(Boolean)
      .join("\n\n");
  const full = withDetails(Number.MAX_SAFE_INTEGER);
  let body = full;
  if (head.length + full.length + foot.length > maxLength) {
    const room = maxLength - head.length - foot.length - withDetails(0).length;
    body = withDetails(Math.floor(room / Math.max(1, results.length)) - 100);
  }
  return `${head}\n${body}\n${foot}`;
}

export function failed(results: readonly StackDiff[]): string[] {
  return results.filter((result) => "error" in result).map((result) => result.stack);
}
