// Turns mock inputs and stack outputs into plain JSON for people: secrets become
// "[secret]" and values only the cloud would know become "<computed>".
import * as pulumi from "@pulumi/pulumi";
// The mocks pass secrets in the engine's wire form, which the policy rules read too.
import { isSecretEnvelope } from "../../policy/rules/resource";

export const SECRET = "[secret]";
export const COMPUTED = "<computed>";

/** Mock inputs (secret envelopes, unknown markers) as redacted plain JSON. */
export function redactInputs(value: unknown): unknown {
  if (pulumi.isUnknown(value) || value === pulumi.runtime.unknownValue) return COMPUTED;
  if (Array.isArray(value)) return value.map(redactInputs);
  if (value && typeof value === "object") {
    if (isSecretEnvelope(value)) return SECRET;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, redactInputs(inner)]),
    );
  }
  return value;
}

interface OutputInternals {
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
  promise(): Promise<unknown>;
}

/** A stack output (an Output, a plain value, or an object of them) as redacted plain JSON. */
export async function redactOutput(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as unknown as OutputInternals;
    if (await output.isSecret) return SECRET;
    if (!(await output.isKnown)) return COMPUTED;
    return redactOutput(await output.promise());
  }
  if (Array.isArray(value)) return Promise.all(value.map(redactOutput));
  if (value && typeof value === "object") {
    const entries = await Promise.all(
      Object.entries(value).map(async ([key, inner]) => [key, await redactOutput(inner)]),
    );
    return Object.fromEntries(entries);
  }
  return value;
}
