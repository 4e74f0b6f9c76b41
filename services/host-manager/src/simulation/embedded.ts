// The simulated fleet as a local run embeds it: the simulated scaling group with a
// machine per host (reboots and replacements that take time), and its hosts, which
// report to the service by themselves once it listens.
import type { Clock } from "../clock";
import type { Config, SimulatedCloudConfig } from "../adapters/env/config";
import { SimulatedCloud } from "../adapters/cloud/simulated";
import { FleetSimulator } from "./fleet-simulator";
import { canSendFromLoopbackAliases, httpReportSender } from "./http-sender";
import type { SimulationConfig } from "./settings";

export interface EmbeddedFleet {
  readonly cloud: SimulatedCloud;
  /**
   * The hosts report from their own addresses (loopback aliases). False where this
   * machine has no aliases (macOS): they report from 127.0.0.1, and the service must
   * then be started with loopbackReports.
   */
  readonly fromOwnAddress: boolean;
  /** Has the hosts report to `baseUrl`; undefined when their heartbeat is 0 (silent fleet). */
  connect(baseUrl: string, token: string): FleetSimulator | undefined;
}

export async function embeddedFleet(
  config: Config & SimulatedCloudConfig,
  simulation: SimulationConfig,
  clock: Clock,
): Promise<EmbeddedFleet> {
  const fromOwnAddress = await canSendFromLoopbackAliases();
  const cloud = new SimulatedCloud(config.simHosts, clock, {
    // New instances carry the fleet's generation, as the scaling configuration would tag them.
    initialGeneration: config.simGeneration ?? config.fleetGeneration ?? null,
    launchGeneration: config.fleetGeneration ?? null,
    addresses: "loopback",
    rebootMs: simulation.rebootMs,
    replaceDelayMs: simulation.replaceDelayMs,
  });
  return {
    cloud,
    fromOwnAddress,
    connect(baseUrl, token) {
      if (simulation.heartbeatMs <= 0) return undefined;
      const send = httpReportSender({ baseUrl, token, fromOwnAddress });
      const simulator = new FleetSimulator(cloud, clock, simulation, send);
      simulator.start();
      return simulator;
    },
  };
}
