// Rolling replacement of the hosts when what they are built from changes. An ESS instance
// refresh task (ess.InstanceRefresh) replaces instances in batches while keeping
// minHealthyPercentage of the group's capacity in service. Every argument of the resource
// forces a new task, so a new image id starts one by itself; the fingerprint below, given as
// the resource's replacementTrigger, starts one for any other change to the hosts
// (user-data, instance types, disk, ...), which would otherwise reach only new hosts.
import { createHash } from "node:crypto";

/**
 * Surge above capacity during a refresh, in percent. 100 means no surge: replacements
 * stay within maxSize (min = max by default) and the batch size is 100 - minHealthyPercentage.
 */
export const MAX_HEALTHY_PERCENTAGE = 100;

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

/** A short digest of everything a host is built from; a change means "replace the hosts". */
export function rolloutFingerprint(hostDefinition: Record<string, unknown>): string {
  return createHash("sha256").update(stableJson(hostDefinition)).digest("hex").slice(0, 16);
}
