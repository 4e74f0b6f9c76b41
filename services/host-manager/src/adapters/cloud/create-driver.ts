// The cloud driver a configuration names: the simulated scaling group, or the real one.
import type { Clock } from "../../clock";
import type { CloudDriver } from "../../domain/cloud";
import type { Config } from "../env/config";
import type { AlicloudDriver } from "./alicloud";
import { SimulatedCloud } from "./simulated";

export function createCloudDriver(config: Config, clock: Clock): CloudDriver {
  if (config.cloud === "simulated") {
    // New instances carry the fleet's generation, as the scaling configuration would tag them.
    return new SimulatedCloud(config.simHosts, clock, {
      initialGeneration: config.simGeneration ?? config.fleetGeneration ?? null,
      launchGeneration: config.fleetGeneration ?? null,
    });
  }
  // Loaded only when used: the Alibaba Cloud SDK alone is about 60 MB of RSS, which the
  // simulated cloud (local runs, tests, the benchmark) has no use for.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AlicloudDriver: Driver } = require("./alicloud") as {
    AlicloudDriver: typeof AlicloudDriver;
  };
  return new Driver({
    region: config.region,
    scalingGroupId: config.scalingGroupId,
    clock,
    ...(config.ecsEndpoint !== undefined ? { ecsEndpoint: config.ecsEndpoint } : {}),
    ...(config.essEndpoint !== undefined ? { essEndpoint: config.essEndpoint } : {}),
  });
}
