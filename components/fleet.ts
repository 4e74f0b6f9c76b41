// Wires the fleet's components for one stack: what index.ts declares, importable by tests.
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { stackTags } from "./tags";

export interface FleetOutputs {
  readonly region: string;
  readonly environment: string;
  readonly instanceCount: number;
}

export function declareFleet(config: StackConfig): FleetOutputs {
  const tags = stackTags(config);
  void tags;
  void pulumi;
  return {
    region: config.region,
    environment: config.environment,
    instanceCount: config.fleet.instanceCount,
  };
}
