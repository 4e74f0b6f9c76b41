// The spot reclaims' and the saturated hosts' metrics: gauges read at scrape time (so never
// a cycle old; the saturated hosts as of the fleet snapshot, a few seconds), and a counter
// of the reclaims the health check saw. Registered by
// ServiceMetrics on its registry.
import { Counter, Gauge, type Registry } from "prom-client";
import type { CycleSummary } from "../domain/cycle";

export interface SpotAndLoadSources {
  /** Active hosts flagged saturated, as of the fleet snapshot (it reads their load history). */
  readonly saturated: () => number;
  /** Active hosts that reported a spot interruption notice. */
  readonly reclaiming: () => number;
}

export class SpotAndLoadMetrics {
  private readonly reclaims;

  constructor(registry: Registry, sources: SpotAndLoadSources) {
    const registers = [registry];
    new Gauge({
      name: "host_manager_hosts_saturated",
      help: "Hosts whose last reports were all over the CPU or memory threshold (shown, never remediated), now.",
      registers,
      collect() {
        this.set(sources.saturated());
      },
    });
    new Gauge({
      name: "host_manager_hosts_spot_reclaiming",
      help: "Hosts in the scaling group that reported a spot interruption notice (neither judged nor remediated), now.",
      registers,
      collect() {
        this.set(sources.reclaiming());
      },
    });
    this.reclaims = new Counter({
      name: "host_manager_spot_reclaims_total",
      help: "Spot hosts gone from the scaling group after an interruption notice (counted apart from failures).",
      registers,
    });
  }

  /** Counts the cycle's reclaims (none in abandoned cycles or those before spot existed). */
  observeCycle(summary: Pick<CycleSummary, "spot">): void {
    const reclaimed = summary.spot?.reclaimed ?? 0;
    if (reclaimed > 0) this.reclaims.inc(reclaimed);
  }
}
