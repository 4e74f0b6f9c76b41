// The hpc-fleet Pulumi program: read and validate the stack config, declare the fleet,
// and export its outputs (FleetOutputs in components/fleet.ts lists them; `fleetToken`
// is a Pulumi secret: `pulumi stack output --show-secrets fleetToken`). Pulumi calls the
// function this module exports and makes what it returns the stack's outputs; as a
// function, the program can also run twice in one process (the offline plan's --diff).
import { declareFleet, type FleetOutputs } from "./components/fleet";
import { readStackConfig } from "./config";

export = (): FleetOutputs => declareFleet(readStackConfig());
