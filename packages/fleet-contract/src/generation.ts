// The hosts' generation: a digest of everything a host is built from. The Pulumi program
// computes it and tags every host with it (through the scaling configuration); the
// host-manager reads the tag and replaces hosts whose generation is not the current one.
import { createHash } from "node:crypto";

/** The ECS tag on every host that names the generation it was launched from. */
export const GENERATION_TAG = "hpc-fleet-generation";

/** A generation: the first 16 hex digits of a SHA-256. */
export const GENERATION_PATTERN = /^[0-9a-f]{16}$/;

export function isGeneration(value: string): boolean {
  return GENERATION_PATTERN.test(value);
}

/** Order-independent JSON, so the digest does not move when keys are reordered. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${stableJson(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The generation of a host definition; a change means "replace the hosts". One-way: the
 * user-data inside (which holds the fleet token) cannot be read back from it.
 */
export function generationOf(hostDefinition: Record<string, unknown>): string {
  return createHash("sha256").update(stableJson(hostDefinition)).digest("hex").slice(0, 16);
}
