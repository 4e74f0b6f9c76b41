// Plans a stack offline: the real program under mocks, with the stack file's config.
import type * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { redactOutput } from "../mocks/values";
import { cloudCalls } from "../mocks/calls";
import {
  dockerBuildImageOutputs,
  nasMountTargetOutputs,
  randomIdOutputs,
  tlsCertificateOutputs,
} from "../mocks/provider-outputs";
import type { CloudOutputs, RecordedResource } from "../mocks/recorder";
import { runUnderMocks } from "../mocks/run-program";
import { readStackFile, secretPlaceholder, type StackFile } from "../mocks/stack-file";
import { policyConfigOf, policyViolations, type PolicyViolation } from "./policy";
import { presentInputs } from "./secrets";

export const PROJECT_DIR = resolve(__dirname, "../..");

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey";
/** Generated secrets: each resource's secret output is planned as its placeholder. */
const GENERATED_SECRETS: Readonly<Record<string, string>> = {
  [RANDOM_PASSWORD]: "result",
  [TLS_PRIVATE_KEY]: "privateKeyPem",
};

/** What a generated password is planned as: a placeholder naming its resource. */
export function generatedSecretPlaceholder(name: string): string {
  return `offline-plan-generated-secret:${name}`;
}

/**
 * Generated passwords, tokens and private keys get a placeholder in the plan (Pulumi
 * keeps them secret), so the plan shows where each secret flows instead of "<computed>"; generated
 * name suffixes, the NAS mount target's address and the pushed image's digest get mock
 * ones, so the plan shows the names they make, what the container mounts and that it
 * runs a digest, never a tag.
 */
const PREVIEW_OUTPUTS: Readonly<Record<string, CloudOutputs>> = {
  ...Object.fromEntries(
    Object.entries(GENERATED_SECRETS).map(([type, output]): [string, CloudOutputs] => [
      type,
      (_inputs, name) => ({ [output]: generatedSecretPlaceholder(name) }),
    ]),
  ),
  "random:index/randomId:RandomId": randomIdOutputs,
  "alicloud:nas/mountTarget:MountTarget": nasMountTargetOutputs,
  "docker-build:index:Image": dockerBuildImageOutputs,
  // The hosts' user-data carries the host-manager's CA certificate (public): a mock one, so
  // the plan shows what else changes in the user-data instead of "<computed>".
  "tls:index/selfSignedCert:SelfSignedCert": tlsCertificateOutputs,
};

/** Every secret value the plan made up, and where it comes from (a resource or a config key). */
function secretSources(
  file: StackFile,
  resources: readonly RecordedResource[],
): Map<string, string> {
  const sources = new Map<string, string>();
  for (const key of file.secretKeys) sources.set(secretPlaceholder(key), key);
  for (const resource of resources) {
    if (resource.type in GENERATED_SECRETS) {
      sources.set(generatedSecretPlaceholder(resource.name), resource.name);
    }
  }
  return sources;
}

/** A resource's aliases as `{type, name}` (an alias leaves out what it keeps). */
function aliasesOf(resource: RecordedResource): PlannedResource["aliases"] {
  const aliases = (resource.options?.aliases ?? []).flatMap((alias) =>
    typeof alias === "object" && alias !== null && !("apply" in alias)
      ? [
          {
            type:
              typeof (alias as pulumi.Alias).type === "string"
                ? String((alias as pulumi.Alias).type)
                : resource.type,
            name:
              typeof (alias as pulumi.Alias).name === "string"
                ? String((alias as pulumi.Alias).name)
                : resource.name,
          },
        ]
      : [],
  );
  return aliases.length > 0 ? aliases : undefined;
}

export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly parent: string | null;
  readonly inputs: Record<string, unknown>;
  /** Earlier types or names of the resource (its `aliases` option): the same resource. */
  readonly aliases?: readonly { readonly type: string; readonly name: string }[];
}

export interface Plan {
  readonly stack: string;
  readonly resources: PlannedResource[];
  readonly outputs: Record<string, unknown>;
  /** With `--policy`: what the mandatory policy pack refuses (empty: it passes). */
  readonly violations?: PolicyViolation[];
}

/**
 * Runs `programPath` (default: the project's index.ts) as a preview for the
 * stack file at `stackFile` (under the stack name `asStack` if given). Each secret
 * value prints as `[secret:<where it comes from>]` wherever it appears, values only
 * the cloud would know as "<computed>". Throws whatever the program throws (a
 * ConfigError for bad config).
 */
export async function planStack(
  stackFile: string,
  programPath = resolve(PROJECT_DIR, "index.ts"),
  asStack?: string,
  options: { readonly policy?: boolean } = {},
): Promise<Plan> {
  const read = readStackFile(stackFile);
  const file = asStack === undefined ? read : { ...read, stack: asStack };
  const { resources, outputs } = await runUnderMocks(
    {
      project: "hpc-fleet",
      stack: file.stack,
      config: file.config,
      secretKeys: file.secretKeys,
      preview: true,
      previewOutputs: PREVIEW_OUTPUTS,
      // Data sources answer in a preview too, as the provider would for the stack's region.
      calls: cloudCalls(file.config["alicloud:region"]),
    },
    () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const program = require(programPath) as Record<string, unknown> | (() => unknown);
      // A program module exports its outputs, or (index.ts) a function returning them.
      return (typeof program === "function" ? program() : program) as Record<string, unknown>;
    },
  );
  const secrets = secretSources(file, resources);
  return {
    stack: file.stack,
    resources: resources
      .filter((resource) => resource.type !== "pulumi:pulumi:Stack")
      .map((resource) => {
        const aliases = aliasesOf(resource);
        return {
          type: resource.type,
          name: resource.name,
          parent: resource.parent ?? null,
          inputs: presentInputs(resource.inputs, secrets) as Record<string, unknown>,
          ...(aliases ? { aliases } : {}),
        };
      }),
    outputs: (await redactOutput({ ...outputs })) as Record<string, unknown>,
    ...(options.policy
      ? { violations: await policyViolations(resources, policyConfigOf(PROJECT_DIR, file.stack)) }
      : {}),
  };
}
