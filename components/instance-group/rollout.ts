// Rolling replacement of the hosts when what they are built from changes. ESS applies a
// changed scaling configuration only to hosts launched after it, and its own instance
// refresh works only for PRIORITY groups (no zone balance, no spot/on-demand mix) and
// fails on a group with no hosts. So each host carries, as a tag propagated from the
// scaling configuration, the generation it was built from: a digest of its definition.
// The host-manager replaces hosts of an older generation in batches that keep
// fleet.minHealthyPercentage of the fleet running (images/host-manager, "rollout").
import { createHash } from "node:crypto";

/** The tag on every host that names the generation it was launched from. */
export const GENERATION_TAG = "hpc-fleet-generation";

/** Order-independent JSON, so the fingerprint does not move when keys are reordered. */
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
 * A short digest of everything a host is built from; a change means "replace the hosts".
 * One-way: the user-data inside (which holds the fleet token) cannot be read back from it.
 */
export function rolloutFingerprint(hostDefinition: Record<string, unknown>): string {
  return createHash("sha256").update(stableJson(hostDefinition)).digest("hex").slice(0, 16);
}
