// Runs a Pulumi program under mocks and returns what it declared and exported.
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, RecorderOptions, ResourceRecorder } from "./recorder";

/** Resolves when the runtime's queue of resource registrations is empty (marked internal). */
const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs;

export interface MockRunOptions extends RecorderOptions {
  readonly project: string;
  readonly stack: string;
  /** Full config keys (`hpc-fleet:fleet`) to their string values, as the engine passes them. */
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys?: readonly string[];
}

export interface MockRunResult<T> {
  readonly resources: readonly RecordedResource[];
  readonly outputs: T;
}

/**
 * Declares `program` inside a stack under mocks and waits until every
 * resource registration has settled.
 */
export async function runUnderMocks<T>(
  options: MockRunOptions,
  program: () => T | Promise<T>,
): Promise<MockRunResult<T>> {
  const recorder = new ResourceRecorder(options);
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);
  await pulumi.runtime.setMocks(recorder, options.project, options.stack, options.preview);
  let outputs: T | undefined;
  // A program error (bad config) is kept and rethrown once the stack has settled,
  // instead of escaping the runtime as an unhandled rejection.
  let failure: { error: unknown } | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    recorder.recordParentsAndOptions();
    try {
      outputs = await program();
    } catch (error) {
      failure = { error };
    }
    return {};
  });
  await waitForRPCs();
  if (failure) throw failure.error;
  if (recorder.refused.length > 0) throw new Error(recorder.refused.join("\n"));
  for (const resource of recorder.resources) {
    resource.parent = recorder.parentOf(resource.type, resource.name);
    resource.options = await recorder.optionsOf(resource.type, resource.name);
  }
  return { resources: recorder.resources, outputs: outputs as T };
}
