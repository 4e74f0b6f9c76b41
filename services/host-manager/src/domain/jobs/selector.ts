// Which hosts a job runs on: named ids, or a selector over the active fleet (all, by
// zone as the cloud last listed it, by generation, by state).
import { z } from "zod";
import { FLEET_STATES, type FleetState } from "../fleet-state";

/** The most hosts a job names by id; a selector reaches the whole fleet. */
export const MAX_NAMED_HOSTS = 10_000;

const instanceId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII, no spaces");

export const hostSelectorSchema = z.union(
  [
    z.strictObject({
      ids: z.array(instanceId).min(1, "name at least one host").max(MAX_NAMED_HOSTS),
    }),
    z.strictObject({ all: z.literal(true) }),
    z.strictObject({ zone: z.string().min(1).max(128) }),
    z.strictObject({ generation: z.string().min(1).max(128) }),
    z.strictObject({ state: z.enum(FLEET_STATES) }),
  ],
  { error: "must be one of {ids}, {all: true}, {zone}, {generation}, {state}" },
);

export type HostSelector = z.infer<typeof hostSelectorSchema>;

/** What a selector is resolved against: each active host with its zone, generation and state. */
export interface SelectableHost {
  readonly instanceId: string;
  /** As the cloud last listed it; null when not known (no zone selector chooses it). */
  readonly zone: string | null;
  readonly generation: string | null;
  readonly state: FleetState;
}

/**
 * The hosts a selector chooses, each once, in the order given (ids) or id order, and the
 * named ids that are not active hosts (their tasks fail at once with NO_SUCH_HOST).
 */
export function resolveSelector(
  selector: HostSelector,
  active: readonly SelectableHost[],
): { readonly hosts: string[]; readonly unknown: string[] } {
  if ("ids" in selector) {
    const known = new Set(active.map((h) => h.instanceId));
    const unique = [...new Set(selector.ids)];
    return {
      hosts: unique.filter((id) => known.has(id)),
      unknown: unique.filter((id) => !known.has(id)),
    };
  }
  const chosen = active.filter((h) =>
    "all" in selector
      ? true
      : "zone" in selector
        ? h.zone === selector.zone
        : "generation" in selector
          ? h.generation === selector.generation
          : h.state === selector.state,
  );
  return { hosts: chosen.map((h) => h.instanceId).sort(), unknown: [] };
}
