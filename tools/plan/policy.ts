// `npm run plan -- --policy`: the mandatory policy pack run against the offline plan, so
// a violation shows before any cloud call. It runs the pack's own policies (the same
// `validateResource` functions `pulumi preview --policy-pack policy` runs) over every
// declared resource, with the stack's policy config as the pack would get it.
import {
  UnknownValueError,
  unknownCheckingProxy,
  type Policy,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
} from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { policies } from "../../policy/policies";
import { plain } from "../../policy/rules/resource";
import type { RecordedResource } from "../mocks/recorder";

export interface PolicyViolation {
  readonly policy: string;
  readonly resource: string;
  readonly type: string;
  readonly message: string;
  /**
   * `mandatory`: the pack refuses the plan. `advisory`: the policy could not run on this
   * resource because an input it reads is only known after `up` (the engine says the same
   * in a real preview, where @pulumi/policy turns it into an advisory).
   */
  readonly enforcement: "mandatory" | "advisory";
}

/** A stack's policy config: policy/config/<stack>.json, or the pack's defaults without one. */
export function policyConfigOf(projectDir: string, stack: string): Record<string, unknown> {
  const file = join(projectDir, "policy", "config", `${stack}.json`);
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>)
    : {};
}

/** The config a policy sees: its schema's defaults under the stack's values. */
function configFor(policy: Policy, stackConfig: Record<string, unknown>): Record<string, unknown> {
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {}).flatMap(([key, schema]) =>
      typeof schema === "object" && schema !== null && "default" in schema
        ? [[key, (schema as { default: unknown }).default]]
        : [],
    ),
  );
  const own = stackConfig[policy.name];
  return { ...defaults, ...(typeof own === "object" && own !== null ? own : {}) };
}

/**
 * Inputs as the policy engine receives them in a preview: secrets unwrapped, and every
 * value not yet known as the engine's unknown sentinel (the mocks hold them as markers).
 */
function asEngineProps(value: unknown): unknown {
  if (pulumi.isUnknown(value) || value === pulumi.runtime.unknownValue) {
    return pulumi.runtime.unknownValue;
  }
  if (Array.isArray(value)) return value.map(asEngineProps);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, asEngineProps(inner)]),
    );
  }
  return value;
}

export async function policyViolations(
  resources: readonly RecordedResource[],
  stackConfig: Record<string, unknown>,
): Promise<PolicyViolation[]> {
  const violations: PolicyViolation[] = [];
  for (const policy of policies) {
    const validate = (policy as ResourceValidationPolicy).validateResource;
    if (!validate) continue;
    const validators = Array.isArray(validate) ? validate : [validate];
    for (const resource of resources) {
      if (resource.type === "pulumi:pulumi:Stack") continue;
      // What the engine hands a policy in a preview: plain inputs (secrets unwrapped) behind
      // the policy SDK's own proxy, which throws when a rule reads a value not yet known.
      const args = {
        type: resource.type,
        name: resource.name,
        props: unknownCheckingProxy(asEngineProps(plain(resource.inputs))),
        getConfig: () => configFor(policy, stackConfig),
      } as unknown as ResourceValidationArgs;
      const found = (message: string, enforcement: PolicyViolation["enforcement"]) =>
        violations.push({
          policy: policy.name,
          resource: resource.name,
          type: resource.type,
          message,
          enforcement,
        });
      for (const validator of validators) {
        try {
          await validator(args, (message) => found(message, "mandatory"));
        } catch (error) {
          if (!(error instanceof UnknownValueError)) throw error;
          found(`can't run during preview: ${(error as Error).message}`, "advisory");
        }
      }
    }
  }
  return violations;
}
