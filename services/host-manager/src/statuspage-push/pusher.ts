// Pushes the health check's figures to Atlassian Statuspage after each cycle, through
// the batch endpoint: one request carries every metric's pending points. Pushing is
// fire-and-forget with a timeout, so a slow or failing Statuspage never holds up the
// health check; unsent points wait (bounded) for the next cycle.
import type { Logger } from "pino";
import type { StatuspageConfig, StatuspageMetricIds } from "../adapters/env/config";
import { steadyClock, type Clock } from "../clock";
import { remediationsDone, type CycleSummary } from "../domain/cycle";

export type StatuspageFigures = Record<keyof StatuspageMetricIds, number>;

/** A cycle's figures as pushed; `running` is counted live, as the gauge is. */
export function statuspageFigures(summary: CycleSummary, running: number): StatuspageFigures {
  return {
    hostsTotal: summary.total,
    running,
    unhealthy: summary.unhealthy,
    remediating: summary.remediating,
    remediations: remediationsDone(summary),
  };
}

export interface PushOptions {
  readonly config: StatuspageConfig;
  readonly logger: Logger;
  /** Abandon a request after this long. Defaults to 10000. */
  readonly timeoutMs?: number;
  /** Gap kept between request starts; Statuspage allows 1 request/second per key. Defaults to 1000. */
  readonly minIntervalMs?: number;
  /** Cycles' points kept while Statuspage is unreachable. Defaults to 288 (a day at 5 minutes). */
  readonly maxPendingCycles?: number;
  /**
   * What paces the requests. Defaults to the steady clock, and the service keeps that
   * default on purpose: the limit is Statuspage's, in real seconds, and the wait is a
   * real timer, so a simulated health-check clock here would let pushes out too fast
   * (and the wall clock, stepped back, would hold them back).
   */
  readonly clock?: Clock;
  /** Called after every attempt, for the Prometheus counters. */
  readonly onAttempt?: (outcome: "ok" | "error" | "dropped", pendingCycles: number) => void;
}

interface PendingCycle {
  /** Unix seconds, as the API wants. */
  readonly timestamp: number;
  readonly figures: StatuspageFigures;
}

/** Statuspage answers these when it is busy or throttling; anything else 4xx will not improve. */
const RETRYABLE_STATUS = new Set([408, 420, 425, 429]);

export class StatuspagePusher {
  private pending: PendingCycle[] = [];
  private busy = false;
  private lastStartAt = -Infinity;
  private waitTimer: NodeJS.Timeout | undefined;
  private readonly closing = new AbortController();
  private readonly endpoint: string;
  private readonly clock: Clock;

  constructor(private readonly options: PushOptions) {
    const { url, pageId } = options.config;
    this.endpoint = `${url}/v1/pages/${encodeURIComponent(pageId)}/metrics/data`;
    this.clock = options.clock ?? steadyClock;
  }

  /** Cycles waiting to be sent. */
  get pendingCycles(): number {
    return this.pending.length;
  }

  /** Queues one cycle's figures and starts a push in the background; never throws, never waits. */
  push(figures: StatuspageFigures, atMs: number): void {
    this.pending.push({ timestamp: Math.floor(atMs / 1000), figures });
    const max = this.options.maxPendingCycles ?? 288;
    if (this.pending.length > max) {
      const dropped = this.pending.splice(0, this.pending.length - max);
      this.options.logger.warn(
        { dropped: dropped.length, kept: max },
        "statuspage: dropping the oldest unsent points",
      );
    }
    void this.flush();
  }

  /**
   * Sends everything pending in one request. A push already in flight or waiting for
   * its rate-limit slot picks the new points up at the next cycle instead.
   */
  async flush(): Promise<void> {
    if (this.busy || this.pending.length === 0 || this.closing.signal.aborted) return;
    this.busy = true;
    try {
      const wait = this.lastStartAt + (this.options.minIntervalMs ?? 1000) - this.clock.now();
      if (wait > 0) await this.sleep(wait);
      if (this.closing.signal.aborted) return;
      this.lastStartAt = this.clock.now();
      const batch = this.pending;
      this.pending = [];
      const outcome = await this.send(batch);
      // Failed points go back in front of any that arrived meanwhile, oldest first.
      if (outcome === "error") this.pending = [...batch, ...this.pending];
      this.options.onAttempt?.(outcome, this.pending.length);
    } finally {
      this.busy = false;
    }
  }

  /** Stops waiting and aborts a request in flight; pending points are given up. */
  close(): void {
    this.closing.abort();
    clearTimeout(this.waitTimer);
  }

  private async send(batch: readonly PendingCycle[]): Promise<"ok" | "error" | "dropped"> {
    const { config, logger } = this.options;
    try {
      const response = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          authorization: `OAuth ${config.apiKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(batchBody(batch, config.metricIds)),
        signal: AbortSignal.any([
          AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
          this.closing.signal,
        ]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return "ok";
      // Never log the request: its Authorization header holds the API key.
      if (response.status >= 500 || RETRYABLE_STATUS.has(response.status)) {
        logger.warn(
          { status: response.status, cycles: batch.length },
          "statuspage push failed; retrying next cycle",
        );
        return "error";
      }
      logger.error(
        { status: response.status, cycles: batch.length },
        "statuspage refused the points (check the page id, metric ids and API key); dropped",
      );
      return "dropped";
    } catch (error) {
      logger.warn(
        { err: error instanceof Error ? error.name + ": " + error.message : String(error) },
        "statuspage push failed; retrying next cycle",
      );
      return "error";
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.waitTimer);
        this.closing.signal.removeEventListener("abort", done);
        resolve();
      };
      this.waitTimer = setTimeout(done, ms);
      this.waitTimer.unref();
      this.closing.signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** `{"data": {"<metric id>": [{"timestamp": <unix s>, "value": <number>}, ...], ...}}` */
export function batchBody(batch: readonly PendingCycle[], ids: StatuspageMetricIds) {
  const data: Record<string, { timestamp: number; value: number }[]> = {};
  for (const key of Object.keys(ids) as (keyof StatuspageMetricIds)[]) {
    data[ids[key]] = batch.map((cycle) => ({
      timestamp: cycle.timestamp,
      value: cycle.figures[key],
    }));
  }
  return { data };
}
