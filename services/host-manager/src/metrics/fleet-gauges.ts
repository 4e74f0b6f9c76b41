// The fleet's gauges, read at scrape time so they are never a cycle old: hosts by state
// (the parts only: sum() over the label is every active host), judged hosts by health
// (the one definition of ../domain/health.ts), the freeze, and the clock's offset.
import { Gauge, type Registry } from "prom-client";
import { fleetHealth, FLEET_STATES, type FleetCounts } from "../domain/fleet-state";

export interface FleetGaugeSources {
  /** Live hosts by state. */
  readonly hostsByState: () => FleetCounts;
  /** Whether the fleet is frozen now; absent, the gauge is not served. */
  readonly frozen?: () => boolean;
  /** How far the system's wall clock is from the service's steady clock (ms). */
  readonly clockOffsetMs?: () => number;
  /** The fleet generation hosts should run; absent, no rollout is configured. */
  readonly fleetGeneration?: string;
}

export function registerFleetGauges(registry: Registry, sources: FleetGaugeSources): void {
  const registers = [registry];
  new Gauge({
    name: "host_manager_hosts",
    help: "Active hosts in the scaling group by state (as on the status page), now. Every state is a part: sum() is all active hosts.",
    labelNames: ["state"],
    registers,
    collect() {
      const counts = sources.hostsByState();
      for (const state of FLEET_STATES) this.set({ state }, counts[state]);
    },
  });
  new Gauge({
    name: "host_manager_judged_hosts",
    help: "Hosts the health check judges (all but out-of-service), now, by health: unhealthy is the failed, remediating and unhealthy states, the hosts the storm guard counts.",
    labelNames: ["health"],
    registers,
    collect() {
      const health = fleetHealth(sources.hostsByState());
      this.set({ health: "healthy" }, health.healthy);
      this.set({ health: "unhealthy" }, health.unhealthy);
    },
  });
  if (sources.frozen) {
    const frozen = sources.frozen;
    new Gauge({
      name: "host_manager_frozen",
      help: "1 while the fleet is frozen (the health check judges hosts but starts no reboot, replace, rollout or removal), else 0.",
      registers,
      collect() {
        this.set(frozen() ? 1 : 0);
      },
    });
  }
  if (sources.clockOffsetMs) {
    const offsetMs = sources.clockOffsetMs;
    new Gauge({
      name: "host_manager_clock_offset_seconds",
      help: "How far the system clock has stepped from the service's steady clock since it started (positive: ahead). Elapsed times ignore it; timestamps follow it from the next start.",
      registers,
      collect() {
        this.set(offsetMs() / 1000);
      },
    });
  }
  if (sources.fleetGeneration !== undefined) {
    new Gauge({
      name: "host_manager_fleet_generation_info",
      help: "Always 1; its label is the fleet generation hosts should run (hosts of another are outdated).",
      labelNames: ["generation"],
      registers,
    }).set({ generation: sources.fleetGeneration }, 1);
  }
}
