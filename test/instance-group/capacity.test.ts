// The capacity plan: how the group spreads hosts over zones and mixes spot with on-demand.
import { capacityPlan } from "../../components/instance-group";
import { stackConfig } from "../helpers/stacks";

describe("the capacity plan", () => {
  const spot = stackConfig("dev").fleet.spot;

  it("balances an all-on-demand fleet across zones", () => {
    expect(
      capacityPlan({
        ...spot,
        strategy: "NoSpot",
        onDemandBaseCapacity: 5,
        onDemandPercentageAboveBase: 100,
      }),
    ).toEqual({ multiAzPolicy: "BALANCE" });
  });

  it("balances an all-spot fleet: the scaling configuration makes every host spot", () => {
    expect(capacityPlan(spot).multiAzPolicy).toBe("BALANCE");
  });

  it("choosing a spot strategy without a split means all spot, not 100% on-demand", () => {
    const onlyStrategy = stackConfig("prod-ap-southeast-1", {
      fleet: { spot: { strategy: "SpotAsPriceGo" } },
    });
    expect(onlyStrategy.fleet.spot.onDemandPercentageAboveBase).toBe(0);
    expect(capacityPlan(onlyStrategy.fleet.spot)).toEqual({ multiAzPolicy: "BALANCE" });
    expect(stackConfig("prod-ap-southeast-1").fleet.spot.onDemandPercentageAboveBase).toBe(100);
  });

  it("uses COMPOSABLE, which splits and balances, when spot and on-demand are mixed", () => {
    const plan = capacityPlan(stackConfig("prod-cn-hangzhou").fleet.spot);
    expect(plan).toEqual({
      multiAzPolicy: "COMPOSABLE",
      mix: { onDemandBaseCapacity: 50, onDemandPercentageAboveBase: 30 },
    });
  });
});
