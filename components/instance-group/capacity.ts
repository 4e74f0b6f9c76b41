// How the group spreads hosts over zones and mixes spot with on-demand, and what that
// allows. ESS facts this rests on (Alibaba Cloud docs, checked 2025):
// - OnDemandBaseCapacity / OnDemandPercentageAboveBaseCapacity only act when MultiAZPolicy
//   is COST_OPTIMIZED or COMPOSABLE; COMPOSABLE also balances zones (AzBalance) and tries
//   instance types in the configured order (AllocationStrategy "priority").
// - StartInstanceRefresh (ess.InstanceRefresh) is supported only for ECS groups whose
//   scaling policy is PRIORITY.
// So a fleet that is all on-demand or all spot uses PRIORITY and gets rolling refreshes;
// a fleet that mixes the two uses COMPOSABLE and cannot be refreshed by ESS.
import type { StackConfig } from "../../config";

export type SpotSettings = StackConfig["fleet"]["spot"];

export interface CapacityPlan {
  readonly multiAzPolicy: "PRIORITY" | "COMPOSABLE";
  /** The group-level on-demand/spot split, only when the fleet mixes the two. */
  readonly mix?: {
    readonly onDemandBaseCapacity: number;
    readonly onDemandPercentageAboveBase: number;
  };
  /** Whether ESS can roll new configurations out with an instance refresh. */
  readonly supportsInstanceRefresh: boolean;
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
    return { multiAzPolicy: "PRIORITY", supportsInstanceRefresh: true };
  }
  return {
    multiAzPolicy: "COMPOSABLE",
    mix: {
      onDemandBaseCapacity: spot.onDemandBaseCapacity,
      onDemandPercentageAboveBase: spot.onDemandPercentageAboveBase,
    },
    supportsInstanceRefresh: false,
  };
}
