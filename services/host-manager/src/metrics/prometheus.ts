// Prometheus metrics for teams that scrape instead of reading Statuspage: the fleet's
// figures, the health check's, and the HTTP server's. One registry per service (not
// prom-client's global one), so services started side by side in tests never collide.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CycleSummary } from "../domain/cycle";
import { FLEET_STATES, type FleetCounts } from "../domain/fleet-state";
import { SpotAndLoadMetrics, type SpotAndLoadSources } from "./spot-and-load";

export interface MetricsOptions {
  /** Live hosts by state, read at scrape time so the gauge is never a cycle old. */
  readonly hostsByState: () => FleetCounts;
  /** How far the system's wall clock is from the service's steady clock (ms), at scrape time. */
  readonly clockOffsetMs?: () => number;
  /** Whether the fleet is frozen now (read at scrape time); absent, the gauge is not served. */
  readonly frozen?: () => boolean;
  /** Process and Node.js runtime metrics. Defaults to true. */
  readonly defaultMetrics?: boolean;
  /** Saturated and reclaiming hosts (spot-and-load.ts); absent, not served. */
  readonly spotAndLoad?: SpotAndLoadSources;
}

/** What the cycle gauges show: the last cycle, and the hosts running their client now. */
export interface CycleFigures {
  readonly summary: CycleSummary;
  readonly running: number;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly lastCycle;
  private readonly remediations;
  private readonly cycleDuration;
  private readonly lastCycleAt;
  private readonly stormGuard;
  private readonly httpRequests;
  private readonly httpDuration;
  private readonly statuspagePushes;
  private readonly statuspagePending;
  private readonly previousToken;
  private readonly droppedReportFields;
  private readonly rateLimited;

  readonly spotAndLoad?: SpotAndLoadMetrics;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    if (options.spotAndLoad)
      this.spotAndLoad = new SpotAndLoadMetrics(this.registry, options.spotAndLoad);
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: "host_manager_" });
    }
    new Gauge({
      name: "host_manager_hosts",
      help: "Hosts in the scaling group by state (as on the status page), now.",
      labelNames: ["state"],
      registers,
      collect() {
        const counts = options.hostsByState();
        for (const state of FLEET_STATES) this.set({ state }, counts[state]);
      },
    });
    if (options.frozen) {
      const frozen = options.frozen;
      new Gauge({
        name: "host_manager_frozen",
        help: "1 while the fleet is frozen (the health check judges hosts but starts no reboot, replace, rollout or removal), else 0.",
        registers,
        collect() {
          this.set(frozen() ? 1 : 0);
        },
      });
    }
    if (options.clockOffsetMs) {
      const offsetMs = options.clockOffsetMs;
      new Gauge({
        name: "host_manager_clock_offset_seconds",
        help: "How far the system clock has stepped from the service's steady clock since it started (positive: ahead). Elapsed times ignore it; timestamps follow it from the next start.",
        registers,
        collect() {
          this.set(offsetMs() / 1000);
        },
      });
    }
    this.lastCycle = new Gauge({
      name: "host_manager_cycle_hosts",
      help: "Hosts counted by the last health-check cycle: total judged, running, healthy, unhealthy (including remediating and failed), remediating, failed, outdated (an older generation).",
      labelNames: ["figure"],
      registers,
    });
    this.remediations = new Counter({
      name: "host_manager_remediations_total",
      help: "Remediation actions the health check took (and the rollout's rollout-replace), by action and outcome.",
      labelNames: ["action", "outcome"],
      registers,
    });
    this.cycleDuration = new Histogram({
      name: "host_manager_cycle_duration_seconds",
      help: "How long a health-check cycle took.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.lastCycleAt = new Gauge({
      name: "host_manager_last_cycle_timestamp_seconds",
      help: "When the last health-check cycle finished (unix seconds).",
      registers,
    });
    this.stormGuard = new Gauge({
      name: "host_manager_storm_guard_open",
      help: "1 when the last cycle found more hosts unhealthy than allowed and remediated none.",
      registers,
    });
    this.httpRequests = new Counter({
      name: "host_manager_http_requests_total",
      help: "HTTP requests served, by method, route pattern and status code.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "host_manager_http_request_duration_seconds",
      help: "HTTP request latency, by method and route pattern.",
      labelNames: ["method", "route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.statuspagePushes = new Counter({
      name: "host_manager_statuspage_pushes_total",
      help: "Statuspage batch requests, by outcome (error: kept for the next cycle; dropped: refused).",
      labelNames: ["outcome"],
      registers,
    });
    this.statuspagePending = new Gauge({
      name: "host_manager_statuspage_pending_cycles",
      help: "Cycles whose points are waiting to be sent to Statuspage.",
      registers,
    });
    this.previousToken = new Counter({
      name: "host_manager_previous_token_requests_total",
      help: "Requests let in by HOST_MANAGER_TOKEN_PREVIOUS: once it stops rising, the old token can go.",
      registers,
    });
    this.droppedReportFields = new Counter({
      name: "host_manager_report_fields_dropped_total",
      help: "Optional report fields a host sent that did not fit (stored as null; the report was accepted), by field.",
      labelNames: ["field"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "host_manager_rate_limited_total",
      help: "Requests refused with 429, by limit: heavy-reads (per address), guesses (wrong tokens or sign-ins per address), sign-ins-per-name (failed sign-ins per operator name).",
      labelNames: ["limit"],
      registers,
    });
  }

  observeCycle({ summary, running }: CycleFigures): void {
    const figures = {
      total: summary.total,
      running,
      healthy: summary.healthy,
      unhealthy: summary.unhealthy,
      remediating: summary.remediating,
      failed: summary.failed,
      outdated: summary.outdated ?? 0,
    };
    for (const [figure, value] of Object.entries(figures)) this.lastCycle.set({ figure }, value);
    for (const action of summary.actions) {
      this.remediations.inc({ action: action.action, outcome: action.outcome });
    }
    this.cycleDuration.observe((summary.finishedAt - summary.startedAt) / 1000);
    this.lastCycleAt.set(Math.floor(summary.finishedAt / 1000));
    this.stormGuard.set(summary.stormGuardOpen ? 1 : 0);
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  observePreviousToken(): void {
    this.previousToken.inc();
  }

  observeDroppedReportField(field: string): void {
    this.droppedReportFields.inc({ field });
  }

  observeRateLimited(limit: "heavy-reads" | "guesses" | "sign-ins-per-name"): void {
    this.rateLimited.inc({ limit });
  }

  observeStatuspage(outcome: string, pendingCycles: number): void {
    this.statuspagePushes.inc({ outcome });
    this.statuspagePending.set(pendingCycles);
  }
}
