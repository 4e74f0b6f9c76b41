// Spot reclaims: a host that reported ECS's interruption notice is being reclaimed, and
// once gone from the scaling group it was reclaimed. Either way it is ECS's doing, not a
// failure: it is neither judged nor remediated, and counted apart.
import type { CycleFacts, CycleSpot } from "./cycle";
import type { HostRecord } from "./host";

export type SpotState = "reclaiming" | "reclaimed" | null;

type SpotFields = Pick<HostRecord, "spotTerminationAt" | "archivedAt">;

export function spotState(host: SpotFields): SpotState {
  if (host.spotTerminationAt === null) return null;
  return host.archivedAt === null ? "reclaiming" : "reclaimed";
}

/** In the group with a notice: ECS releases it soon, so no timeout or action applies. */
export function isReclaiming(host: SpotFields): boolean {
  return host.spotTerminationAt !== null && host.archivedAt === null;
}

/**
 * A cycle's reclaims: the active hosts with a notice, and those the inventory refresh
 * just archived that had one (looked up by id: a handful per cycle).
 */
export function countSpot(
  active: readonly Pick<HostRecord, "spotTerminationAt">[],
  inventory: CycleFacts["inventory"],
  lookup: (instanceId: string) => Pick<HostRecord, "spotTerminationAt"> | undefined,
): CycleSpot {
  let reclaiming = 0;
  for (const host of active) if (host.spotTerminationAt !== null) reclaiming++;
  let reclaimed = 0;
  if ("change" in inventory) {
    for (const id of inventory.change.archived) {
      if ((lookup(id)?.spotTerminationAt ?? null) !== null) reclaimed++;
    }
  }
  return { reclaiming, reclaimed };
}
