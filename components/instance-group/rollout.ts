// Rolling replacement of the hosts when what they are built from changes. ESS applies a
// changed scaling configuration only to hosts launched after it, and its own instance
// refresh works only for PRIORITY groups (no zone balance, no spot/on-demand mix) and
// fails on a group with no hosts. So each host carries, as a tag propagated from the
// scaling configuration, the generation it was built from: a digest of its definition.
// The host-manager replaces hosts of an older generation in batches that keep
// fleet.minHealthyPercentage of the fleet running (services/host-manager, "rollout").
import { generationOf } from "@hpc-fleet/fleet-contract";

/** The tag on every host that names the generation it was launched from. */
export { GENERATION_TAG } from "@hpc-fleet/fleet-contract";

/**
 * A short digest of everything a host is built from; a change means "replace the hosts".
 * One-way: the user-data inside (which holds the fleet token) cannot be read back from it.
 */
export function rolloutFingerprint(hostDefinition: Record<string, unknown>): string {
  return generationOf(hostDefinition);
}
