// Loads the repository's workflow files and the shipped stack names they must agree with.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import { stackNameOf } from "../../tools/mocks/stack-file";
import { PROJECT_DIR } from "../helpers/stacks";

export const WORKFLOW_DIR = join(PROJECT_DIR, ".github", "workflows");

export interface Step {
  readonly name?: string;
  readonly if?: string;
  readonly shell?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, unknown>;
}

export interface Job {
  readonly "runs-on"?: unknown;
  readonly environment?: unknown;
  readonly concurrency?: { group?: string; "cancel-in-progress"?: unknown };
  readonly strategy?: { matrix?: Record<string, unknown> };
  readonly permissions?: unknown;
  readonly env?: Record<string, unknown>;
  readonly steps?: Step[];
}

export interface Workflow {
  readonly file: string;
  readonly source: string;
  readonly on: Record<string, unknown>;
  readonly permissions?: unknown;
  readonly concurrency?: unknown;
  readonly env?: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

export function workflowFiles(): string[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
}

export function loadWorkflow(file: string): Workflow {
  const source = readFileSync(join(WORKFLOW_DIR, file), "utf8");
  const document = YAML.parse(source) as Omit<Workflow, "file" | "source">;
  return { ...document, file, source };
}

export function allSteps(workflow: Workflow): Step[] {
  return Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
}

/** The stacks the repository ships: one per Pulumi.<stack>.yaml in the project root. */
export function shippedStackFiles(): string[] {
  return readdirSync(PROJECT_DIR)
    .filter((file) => /^Pulumi\..+\.ya?ml$/.test(file))
    .map((file) => stackNameOf(file))
    .sort();
}
