// The hpc-fleet Pulumi program: read and validate the stack config, wire the
// components, export the stack outputs. Resources live in components/.
import { readStackConfig } from "./config";
import { declareFleet } from "./components/fleet";

const fleet = declareFleet(readStackConfig());

export const region = fleet.region;
export const environment = fleet.environment;
export const instanceCount = fleet.instanceCount;
