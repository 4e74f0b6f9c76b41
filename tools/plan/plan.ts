// Plans a stack offline: the real program under mocks, with the stack file's config.
import { resolve } from "node:path";
import { redactInputs, redactOutput } from "../mocks/values";
import { randomIdOutputs } from "../mocks/provider-outputs";
import type { CloudOutputs } from "../mocks/recorder";
import { runUnderMocks } from "../mocks/run-program";
import { readStackFile } from "../mocks/stack-file";

export const PROJECT_DIR = resolve(__dirname, "../..");

/**
 * Generated passwords and tokens get a placeholder in the plan (Pulumi keeps them
 * secret), so the plan shows where each secret flows instead of "<computed>"; generated
 * name suffixes get a mock one, so the plan shows the names they make.
 */
const PREVIEW_OUTPUTS: Readonly<Record<string, CloudOutputs>> = {
  "random:index/randomPassword:RandomPassword": () => ({ result: "offline-plan-generated-secret" }),
  "random:index/randomId:RandomId": randomIdOutputs,
};

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
}

/**
 * Runs `programPath` (default: the project's index.ts) as a preview for the
 * stack file at `stackFile`. Secrets print as "[secret]", values only the cloud
 * would know as "<computed>". Throws whatever the program throws (a ConfigError
 * for bad config).
 */
export async function planStack(
  stackFile: string,
  programPath = resolve(PROJECT_DIR, "index.ts"),
): Promise<Plan> {
  const file = readStackFile(stackFile);
  const { resources, outputs } = await runUnderMocks(
    {
      project: "hpc-fleet",
      stack: file.stack,
      config: file.config,
      secretKeys: file.secretKeys,
      preview: true,
      previewOutputs: PREVIEW_OUTPUTS,
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    () => require(programPath) as Record<string, unknown>,
  );
  return {
    stack: file.stack,
    resources: resources
      .filter((resource) => resource.type !== "pulumi:pulumi:Stack")
      .map((resource) => ({
        type: resource.type,
        name: resource.name,
        parent: resource.parent ?? null,
        inputs: redactInputs(resource.inputs) as Record<string, unknown>,
      })),
    outputs: (await redactOutput({ ...outputs })) as Record<string, unknown>,
  };
}
