// The stacks CI previews and deploys, discovered from the Pulumi.<stack>.yaml files in the
// project root, so adding a region is adding one file: no workflow lists stack names.
// Each stack gets what its jobs need: its deploy wave (prod after everything else), its
// GitHub environment, its policy config (policy/config/default.json when it has none of its
// own), where its image build can run, and job and STS-session lengths that outlast the build.
//
// The stack file is read raw, not through the config schema: a pull request whose stack file
// is invalid must still get its offline diff (which then reports the error).
// tools/client reads image.clientArtifact through the schema itself.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";

/** GitHub-hosted jobs are cut off at 6 h; self-hosted ones at 5 days. */
export const HOSTED_JOB_LIMIT_MINUTES = 360;
export const SELF_HOSTED_JOB_LIMIT_MINUTES = 5 * 24 * 60;
/** AssumeRoleWithOIDC sessions last 900 s to the role's MaxSessionDuration, at most 12 h. */
export const MIN_SESSION_SECONDS = 900;
export const MAX_SESSION_SECONDS = 43_200;
/** The config schema's defaults (test/ci/stacks.test.ts checks they still are). */
export const DEFAULT_BUILD_TIMEOUT_MINUTES = 180;
export const DEFAULT_CLIENT_SOURCE_DIR = "client";
/** components/windows-image: the build command's create timeout is the build's plus this. */
export const BUILD_COMMAND_MARGIN_MINUTES = 15;
/** npm ci, the provider and Packer plugin downloads, the rest of the up, the rule's removal. */
export const JOB_MARGIN_MINUTES = 45;
/** An up that builds no image: the fleet's other resources. */
export const UP_WITHOUT_BUILD_MINUTES = 60;
export const HOSTED_RUNNER = "ubuntu-24.04";
export const DEFAULT_POLICY_CONFIG = "policy/config/default.json";

export type Wave = "first" | "prod";

export interface CiStack {
  readonly stack: string;
  /** The GitHub environment its up runs in, and that its deploy role trusts: the stack's name. */
  readonly environment: string;
  /** `prod` stacks deploy only after every `first` stack has. */
  readonly wave: Wave;
  readonly region: string;
  /** Relative to the project: policy/config/<stack>.json, or the default. */
  readonly policyConfig: string;
  /** The up builds a Windows image (the stack sets no image.existingImageId). */
  readonly builds: boolean;
  readonly buildAddress: "public" | "private";
  /** A GitHub-hosted runner, or for a private build address a self-hosted runner in the VPC. */
  readonly runsOn: string | readonly string[];
  /** The up job's timeout-minutes: longer than the build command's own timeout. */
  readonly timeoutMinutes: number;
  /** The deploy role's STS session: as long as the job, so no credential expires mid-build. */
  readonly sessionSeconds: number;
}

export class StackDiscoveryError extends Error {}

/**
 * A stack name is also a GitHub environment's and (in ci-identity) a RAM role's: lowercase
 * letters, digits and hyphens keep all three the same string.
 */
export const STACK_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

type Section = Record<string, unknown>;

function isMap(value: unknown): value is Section {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A stack file's `config:` map, as written (no schema, no defaults). */
export function readRawConfig(path: string): Section {
  const document: unknown = YAML.parse(readFileSync(path, "utf8")) ?? {};
  const config = isMap(document) ? document.config : undefined;
  if (config === undefined) return {};
  if (!isMap(config)) throw new StackDiscoveryError(`${path}: "config" must be a map`);
  return config;
}

/** The `hpc-fleet:image` section as written (an empty map when absent). */
export function imageSection(config: Section): Section {
  const image = config["hpc-fleet:image"];
  return isMap(image) ? image : {};
}

/** Stack names, one per Pulumi.<stack>.yaml in `projectDir`, sorted. */
export function stackNames(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

export function stackFileOf(projectDir: string, stack: string): string {
  const yaml = join(projectDir, `Pulumi.${stack}.yaml`);
  return existsSync(yaml) ? yaml : join(projectDir, `Pulumi.${stack}.yml`);
}

export function policyConfigOf(projectDir: string, stack: string): string {
  const own = `policy/config/${stack}.json`;
  return existsSync(join(projectDir, own)) ? own : DEFAULT_POLICY_CONFIG;
}

function wholeNumber(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === "string" ? Number(value) : value;
  return typeof number === "number" && Number.isInteger(number) && number > 0 ? number : fallback;
}

/** What CI needs of one stack; throws when its jobs could not run as configured. */
export function describeStack(projectDir: string, stack: string): CiStack {
  const file = stackFileOf(projectDir, stack);
  if (!STACK_NAME.test(stack)) {
    throw new StackDiscoveryError(
      `${file}: a stack name must be 1 to 40 lowercase letters, digits or hyphens (it names ` +
        `its GitHub environment and its deploy role)`,
    );
  }
  const config = readRawConfig(file);
  const image = imageSection(config);
  const environment = config["hpc-fleet:environment"];
  const region = config["alicloud:region"];
  if (typeof region !== "string" || region === "") {
    throw new StackDiscoveryError(`${file}: alicloud:region is not set`);
  }
  const builds = image.existingImageId === undefined;
  const buildAddress = image.buildAddress === "private" ? "private" : "public";
  const buildMinutes = wholeNumber(image.buildTimeoutMinutes, DEFAULT_BUILD_TIMEOUT_MINUTES);
  const timeoutMinutes = builds
    ? buildMinutes + BUILD_COMMAND_MARGIN_MINUTES + JOB_MARGIN_MINUTES
    : UP_WITHOUT_BUILD_MINUTES;
  const selfHosted = buildAddress === "private";
  const limit = selfHosted ? SELF_HOSTED_JOB_LIMIT_MINUTES : HOSTED_JOB_LIMIT_MINUTES;
  if (timeoutMinutes > limit) {
    throw new StackDiscoveryError(
      `${file}: an up that builds for ${buildMinutes} min needs a ${timeoutMinutes}-minute job, ` +
        `beyond a GitHub-hosted runner's ${limit}; build from a self-hosted runner in the VPC ` +
        `(image.buildAddress: private) or lower image.buildTimeoutMinutes`,
    );
  }
  const sessionSeconds = Math.max(MIN_SESSION_SECONDS, timeoutMinutes * 60);
  if (sessionSeconds > MAX_SESSION_SECONDS) {
    throw new StackDiscoveryError(
      `${file}: a ${timeoutMinutes}-minute up outlasts the longest STS session (12 h); ` +
        `lower image.buildTimeoutMinutes`,
    );
  }
  return {
    stack,
    environment: stack,
    wave: environment === "prod" ? "prod" : "first",
    region,
    policyConfig: policyConfigOf(projectDir, stack),
    builds,
    buildAddress,
    runsOn: selfHosted ? ["self-hosted", "linux", `hpc-fleet-${stack}`] : HOSTED_RUNNER,
    timeoutMinutes,
    sessionSeconds,
  };
}

export function discoverStacks(projectDir: string): CiStack[] {
  const stacks = stackNames(projectDir);
  if (stacks.length === 0) {
    throw new StackDiscoveryError(`${projectDir}: no Pulumi.<stack>.yaml file`);
  }
  return stacks.map((stack) => describeStack(projectDir, stack));
}

/** The job outputs: every stack, and each wave, as JSON arrays for `fromJSON` matrices. */
export function stackOutputs(stacks: readonly CiStack[]): Record<"all" | Wave, string> {
  const wave = (name: Wave) => JSON.stringify(stacks.filter((stack) => stack.wave === name));
  return { all: JSON.stringify(stacks), first: wave("first"), prod: wave("prod") };
}
