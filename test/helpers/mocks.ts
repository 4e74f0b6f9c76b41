// Runs the program, or one component, under Pulumi's mocks and finds what it declared.
import { fleetProgram } from "../../components/fleet-program";
import { cloudCalls } from "../../tools/mocks/calls";
import { scheduledTaskRefusal } from "../../tools/mocks/ess-scheduled-task";
import {
  dockerBuildImageOutputs,
  nasMountTargetOutputs,
  randomIdOutputs,
  tlsCertRequestOutputs,
  tlsCertificateOutputs,
  tlsPrivateKeyOutputs,
} from "../../tools/mocks/provider-outputs";
import type { CallHandler, CloudOutputs, RecordedResource } from "../../tools/mocks/recorder";
import { runUnderMocks, MockRunResult } from "../../tools/mocks/run-program";
import { ConfigOverrides, stackFile } from "./stacks";
import {
  ALB,
  CONTAINER_GROUP,
  EIP,
  IMAGE_BUILD,
  NAS_MOUNT_TARGET,
  NAT_GATEWAY,
  RANDOM_ID,
  RANDOM_PASSWORD,
  TLS_CERT_REQUEST,
  TLS_LOCALLY_SIGNED_CERT,
  SCHEDULED_TASK,
  TLS_PRIVATE_KEY,
  TLS_SELF_SIGNED_CERT,
} from "./types";

/**
 * What the mock RandomPassword generates: as the real provider, exactly `length`
 * characters; readable, and distinct per resource name.
 */
export function mockPassword(name: string, length: number): string {
  return `${name}-generated`.padEnd(length, "0").slice(0, length);
}

/** What the mock cloud and providers answer by default: generated secrets, addresses. */
const DEFAULT_CLOUD_OUTPUTS: Readonly<Record<string, CloudOutputs>> = {
  [RANDOM_PASSWORD]: (inputs, name) => ({
    result: mockPassword(name, Number(inputs.length)),
  }),
  [RANDOM_ID]: randomIdOutputs,
  [NAS_MOUNT_TARGET]: nasMountTargetOutputs,
  [CONTAINER_GROUP]: () => ({ intranetIp: "10.42.0.50" }),
  [NAT_GATEWAY]: (_inputs, name) => ({
    snatTableIds: `stb-${name}`,
    forwardTableIds: `ftb-${name}`,
  }),
  [EIP]: () => ({ ipAddress: "39.96.10.20" }),
  [ALB]: (_inputs, name) => ({ dnsName: `alb-${name}.cn-beijing.alb.aliyuncs.com` }),
  [IMAGE_BUILD]: dockerBuildImageOutputs,
  [TLS_PRIVATE_KEY]: tlsPrivateKeyOutputs,
  [TLS_SELF_SIGNED_CERT]: tlsCertificateOutputs,
  [TLS_CERT_REQUEST]: tlsCertRequestOutputs,
  [TLS_LOCALLY_SIGNED_CERT]: tlsCertificateOutputs,
};

/** What the mock cloud refuses, as the provider and the cloud would. */
const REFUSALS = { [SCHEDULED_TASK]: scheduledTaskRefusal };

/** The data sources' answers as the provider gives them for `region`, then the test's own. */
function callsFor(region: string | undefined, calls: RunOptions["calls"]) {
  return { ...cloudCalls(region), ...calls };
}

export interface RunOptions {
  /** Run as a preview: ids and cloud-computed outputs unknown. Defaults to false. */
  readonly preview?: boolean;
  readonly calls?: Readonly<Record<string, CallHandler>>;
  readonly cloudOutputs?: Readonly<Record<string, CloudOutputs>>;
  /** Config values set as with `pulumi config set --secret`, by key in the project namespace. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** The program's moment (its clock), for fleet.schedules. Defaults to the real time. */
  readonly now?: Date;
}

/** Runs the whole program (index.ts's, config read from the runtime as `pulumi up` does) for a shipped stack. */
export function runStack(
  stack: string,
  overrides: ConfigOverrides = {},
  options: RunOptions = {},
): Promise<MockRunResult<unknown>> {
  const file = stackFile(stack, overrides, options.secrets);
  return runUnderMocks(
    {
      ...options,
      calls: callsFor(file.config["alicloud:region"], options.calls),
      cloudOutputs: { ...DEFAULT_CLOUD_OUTPUTS, ...options.cloudOutputs },
      project: "hpc-fleet",
      stack,
      config: file.config,
      secretKeys: file.secretKeys,
      preview: options.preview ?? false,
      refusals: REFUSALS,
    },
    () => fleetProgram(options.now ? () => options.now as Date : undefined),
  );
}

/** Runs one component (or any declarations) under mocks in a `dev` stack. */
export function runDeclarations<T>(
  declare: () => T,
  options: RunOptions = {},
): Promise<MockRunResult<T>> {
  return runUnderMocks(
    {
      ...options,
      // No provider region here: the calls answer as for any shipped stack's.
      calls: callsFor(undefined, options.calls),
      cloudOutputs: { ...DEFAULT_CLOUD_OUTPUTS, ...options.cloudOutputs },
      project: "hpc-fleet",
      stack: "dev",
      config: {},
      preview: options.preview ?? false,
      refusals: REFUSALS,
    },
    declare,
  );
}

export function resourcesOfType(
  resources: readonly RecordedResource[],
  type: string,
): RecordedResource[] {
  return resources.filter((resource) => resource.type === type);
}

/** The one resource of `type` named `name`; fails the test with the names there are. */
export function findResource(
  resources: readonly RecordedResource[],
  type: string,
  name: string,
): RecordedResource {
  const found = resources.find((resource) => resource.type === type && resource.name === name);
  if (!found) {
    const names = resourcesOfType(resources, type).map((resource) => resource.name);
    throw new Error(`no ${type} named ${name} (there are: ${names.join(", ") || "none"})`);
  }
  return found;
}

export { redactInputs } from "../../tools/mocks/values";
export { isSecretEnvelope, plain } from "../../policy/rules/resource";
