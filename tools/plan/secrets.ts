// Secrets masked at their value, not at the object around them. Pulumi marks a whole
// input property secret when any part of it is (the container list holds the fleet
// token, the user-data script holds it too), which hides from a reviewer everything else
// in that property. Offline, every secret value in a plan is one the plan itself made up
// (a placeholder for each generated password and each encrypted config value), so the
// plan can open an envelope and mask just those values inside it, each labelled with
// where it comes from (`[secret:hpc-dev-fleet-token-a]`), so a diff still shows that a
// secret changed (a token rotation) without showing any secret.
import * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope } from "../../policy/rules/resource";
import { COMPUTED, SECRET } from "../mocks/values";

interface Presented {
  readonly value: unknown;
  /** Whether a known secret was masked somewhere inside. */
  readonly masked: boolean;
}

/** A known secret's placeholder value, and where the secret comes from. */
export type SecretSources = ReadonlyMap<string, string>;

export function secretLabel(source: string): string {
  return `[secret:${source}]`;
}

function present(value: unknown, secrets: readonly (readonly [string, string])[]): Presented {
  if (pulumi.isUnknown(value) || value === pulumi.runtime.unknownValue) {
    return { value: COMPUTED, masked: false };
  }
  if (isSecretEnvelope(value)) {
    const opened = present(value.value, secrets);
    // Marked secret, yet holding no value the plan knows to be one: keep it all hidden.
    return opened.masked ? opened : { value: SECRET, masked: true };
  }
  if (typeof value === "string") {
    let text = value;
    for (const [secret, source] of secrets) text = text.split(secret).join(secretLabel(source));
    return { value: text, masked: text !== value };
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => present(item, secrets));
    return { value: items.map((item) => item.value), masked: items.some((item) => item.masked) };
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value).map(
      ([key, item]) => [key, present(item, secrets)] as const,
    );
    return {
      value: Object.fromEntries(entries.map(([key, item]) => [key, item.value])),
      masked: entries.some(([, item]) => item.masked),
    };
  }
  return { value, masked: false };
}

/**
 * Mock inputs as plain JSON for a reviewer: unknowns as "<computed>", and each known
 * secret value masked as `[secret:<source>]` where it appears (also inside a longer
 * string), while the rest of a secret property stays readable. A property marked secret
 * that holds no known secret stays "[secret]" as a whole.
 */
export function presentInputs(value: unknown, secrets: SecretSources): unknown {
  // Longest first, so a secret that contains another is masked whole.
  const known = [...secrets]
    .filter(([secret]) => secret.length > 0)
    .sort(([a], [b]) => b.length - a.length);
  return present(value, known).value;
}
