// How the group spreads hosts over zones and mixes spot with on-demand. ESS facts this
// rests on (Alibaba Cloud docs):
// - BALANCE spreads instances evenly over the group's vSwitches (zones).
// - OnDemandBaseCapacity / OnDemandPercentageAboveBaseCapacity act only under
//   COST_OPTIMIZED or COMPOSABLE; COMPOSABLE also balances zones (AzBalance) and tries
//   instance types in the configured order (AllocationStrategy "priority").
// Rolling replacement does not depend on the policy: the host-manager does it (rollout.ts).
// Changing MultiAZPolicy replaces the group (and releases its hosts): it is ForceNew.
import type { SpotStrategy } from "./args";

/** How the fleet mixes spot and on-demand hosts. */
export interface SpotSettings {
  readonly strategy: SpotStrategy;
  readonly onDemandBaseCapacity: number;
  readonly onDemandPercentageAboveBase: number;
}

export interface CapacityPlan {
  readonly multiAzPolicy: "BALANCE" | "COMPOSABLE";
  /** The group-level on-demand/spot split, only when the fleet mixes the two. */
  readonly mix?: {
    readonly onDemandBaseCapacity: number;
    readonly onDemandPercentageAboveBase: number;
  };
}

/** True when the fleet has both spot and on-demand hosts, which only the group can split. */
export function mixesSpotAndOnDemand(spot: SpotSettings): boolean {
  if (spot.strategy === "NoSpot") return false;
  const allSpot = spot.onDemandBaseCapacity === 0 && spot.onDemandPercentageAboveBase === 0;
  return !allSpot;
}

export function capacityPlan(spot: SpotSettings): CapacityPlan {
  if (!mixesSpotAndOnDemand(spot)) {
    // All on-demand (NoSpot) or all spot: the scaling configuration's spotStrategy says it.
    return { multiAzPolicy: "BALANCE" };
  }
  return {
    multiAzPolicy: "COMPOSABLE",
    mix: {
      onDemandBaseCapacity: spot.onDemandBaseCapacity,
      onDemandPercentageAboveBase: spot.onDemandPercentageAboveBase,
    },
  };
}
