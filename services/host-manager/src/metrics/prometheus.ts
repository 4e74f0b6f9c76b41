// Prometheus metrics for teams that scrape instead of reading Statuspage: the fleet's
// figures, the health check's, and the HTTP server's. One registry per service (not
// prom-client's global one), so services started side by side in tests never collide.
// Names follow https://prometheus.io/docs/practices/naming/: base units, `_total` on
// counters only, no total beside its parts in one metric; counters with known label
// values start at 0 for each, so rate() and increase() see the first event
// (https://prometheus.io/docs/practices/instrumentation/#avoid-missing-metrics).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { OPTIONAL_REPORT_FIELDS } from "@hpc-fleet/fleet-contract";
import type { CycleAction, CycleSummary } from "../domain/cycle";
import { registerBuildInfo } from "./build-info";
import { registerFleetGauges, type FleetGaugeSources } from "./fleet-gauges";
import { SpotAndLoadMetrics, type SpotAndLoadSources } from "./spot-and-load";

export interface MetricsOptions extends FleetGaugeSources {
  /** Process and Node.js runtime metrics, unprefixed as stock dashboards expect. Defaults to true. */
  readonly defaultMetrics?: boolean;
  /** The build's version label; defaults to package.json's. */
  readonly version?: string;
  /** Saturated and reclaiming hosts (spot-and-load.ts); absent, not served. */
  readonly spotAndLoad?: SpotAndLoadSources;
}

/**
 * Metrics read at scrape time, each set in a file of its own: to serve another, add
 * its register function here (and its sources to MetricsOptions).
 */
export type MetricsCollector = (registry: Registry, options: MetricsOptions) => void;
const COLLECTORS: readonly MetricsCollector[] = [
  (registry, options) => registerBuildInfo(registry, options.version),
  registerFleetGauges,
];

/** Every value a label can take, from a record that must name each (the compiler checks). */
const valuesOf = <T extends string>(all: Record<T, true>) => Object.keys(all) as T[];

export const REMEDIATION_ACTIONS = valuesOf<CycleAction["action"]>({
  reboot: true,
  replace: true,
  "mark-failed": true,
  "rollout-replace": true,
});
export const ACTION_OUTCOMES = valuesOf<CycleAction["outcome"]>({
  ok: true,
  error: true,
  "dry-run": true,
  skipped: true,
  pending: true,
  unknown: true,
});
export const RATE_LIMITS = ["heavy-reads", "guesses", "sign-ins-per-name"] as const;
export type RateLimit = (typeof RATE_LIMITS)[number];
/** Statuspage calls: the metrics batch, the component's status, an incident opened or resolved. */
export const STATUSPAGE_REQUESTS = ["metrics", "component", "incident"] as const;
export type StatuspageRequest = (typeof STATUSPAGE_REQUESTS)[number];
export const STATUSPAGE_OUTCOMES = ["ok", "error", "dropped"] as const;
export type StatuspageOutcome = (typeof STATUSPAGE_OUTCOMES)[number];

/** What the cycle metrics show: the last cycle. */
export interface CycleFigures {
  readonly summary: CycleSummary;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly cycleJudged;
  private readonly cycleUnhealthy;
  private readonly maxUnhealthy;
  private readonly outdated;
  private readonly remediations;
  private readonly cycleDuration;
  private readonly lastCycleAt;
  private readonly stormGuard;
  private readonly httpRequests;
  private readonly httpDuration;
  private readonly statuspageRequests;
  private readonly statuspagePending;
  private readonly previousToken;
  private readonly droppedReportFields;
  private readonly rateLimited;

  readonly spotAndLoad?: SpotAndLoadMetrics;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    if (options.spotAndLoad)
      this.spotAndLoad = new SpotAndLoadMetrics(this.registry, options.spotAndLoad);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    for (const collector of COLLECTORS) collector(this.registry, options);
    this.cycleJudged = new Gauge({
      name: "host_manager_cycle_judged_hosts",
      help: "Hosts the last health-check cycle judged.",
      registers,
    });
    this.cycleUnhealthy = new Gauge({
      name: "host_manager_cycle_unhealthy_hosts",
      help: "Hosts the last health-check cycle found unhealthy (failed, remediating and unhealthy, see host_manager_judged_hosts): what its storm guard counted.",
      registers,
    });
    this.maxUnhealthy = new Gauge({
      name: "host_manager_storm_guard_max_unhealthy_hosts",
      help: "The most unhealthy hosts at which the last cycle would still remediate; above it the storm guard opens.",
      registers,
    });
    this.outdated = new Gauge({
      name: "host_manager_rollout_outdated_hosts",
      help: "Judged hosts of a generation other than the fleet's, as the last cycle counted them (0 with no rollout).",
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
    this.statuspageRequests = new Counter({
      name: "host_manager_statuspage_requests_total",
      help: "Statuspage requests, by request (metrics: the figures batch; component: its status; incident: opened or resolved) and outcome (error: tried again next cycle; dropped: refused).",
      labelNames: ["request", "outcome"],
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
    // Every known label value from 0, so the first event is a rise rate() can see.
    for (const action of REMEDIATION_ACTIONS) {
      for (const outcome of ACTION_OUTCOMES) this.remediations.inc({ action, outcome }, 0);
    }
    for (const request of STATUSPAGE_REQUESTS) {
      for (const outcome of STATUSPAGE_OUTCOMES)
        this.statuspageRequests.inc({ request, outcome }, 0);
    }
    for (const field of OPTIONAL_REPORT_FIELDS) this.droppedReportFields.inc({ field }, 0);
    for (const limit of RATE_LIMITS) this.rateLimited.inc({ limit }, 0);
  }

  observeCycle({ summary }: CycleFigures): void {
    this.cycleJudged.set(summary.total);
    this.cycleUnhealthy.set(summary.unhealthy);
    this.maxUnhealthy.set(summary.maxUnhealthy);
    this.outdated.set(summary.outdated ?? 0);
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

  observeRateLimited(limit: RateLimit): void {
    this.rateLimited.inc({ limit });
  }

  /** One Statuspage request's outcome; the metrics batch also says what is left pending. */
  observeStatuspage(
    request: StatuspageRequest,
    outcome: StatuspageOutcome,
    pendingCycles?: number,
  ): void {
    this.statuspageRequests.inc({ request, outcome });
    if (pendingCycles !== undefined) this.statuspagePending.set(pendingCycles);
  }
}
