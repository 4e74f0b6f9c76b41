// Pushes the health check's figures to Atlassian Statuspage after each cycle, through
// the batch endpoint: one request carries every metric's pending points. Pushing is
// fire-and-forget with a timeout, so a slow or failing Statuspage never holds up the
// health check; unsent points wait (bounded) for the next cycle.
import type { Logger } from "pino";
import type { StatuspageConfig, StatuspageMetricIds } from "../adapters/env/config";
import type { Clock } from "../clock";
import { remediationsDone, type CycleSummary } from "../domain/cycle";
import { RequestPacer } from "./pacer";
import { statuspageRequest, type RequestOutcome } from "./request";

export type StatuspageFigures = Record<keyof StatuspageMetricIds, number>;

/**
 * A cycle's figures as pushed; `running` is counted live, as the gauge is. `unhealthy`
 * is the one definition (../domain/health.ts): it includes remediating and failed hosts.
 */
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
  /** Shared with the component and incident updates, which spend the same key's rate. */
  readonly pacer?: RequestPacer;
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
  readonly onAttempt?: (outcome: RequestOutcome, pendingCycles: number) => void;
}

interface PendingCycle {
  /** Unix seconds, as the API wants. */
  readonly timestamp: number;
  readonly figures: StatuspageFigures;
}

export class StatuspagePusher {
  private pending: PendingCycle[] = [];
  private busy = false;
  private readonly closing = new AbortController();
  private readonly pacer: RequestPacer;

  constructor(private readonly options: PushOptions) {
    this.pacer = options.pacer ?? new RequestPacer(options.minIntervalMs, options.clock);
  }

  /** Cycles waiting to be sent. */
  get pendingCycles(): number {
    return this.pending.length;
  }

  /** Whether a push is waiting for its slot or for Statuspage's answer. */
  get sending(): boolean {
    return this.busy;
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
      await this.pacer.turn();
      if (this.closing.signal.aborted) return;
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
    this.pacer.close();
  }

  private async send(batch: readonly PendingCycle[]): Promise<RequestOutcome> {
    const { config, logger } = this.options;
    const answer = await statuspageRequest(
      config,
      "POST",
      "/metrics/data",
      batchBody(batch, config.metricIds),
      AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs ?? 10_000), this.closing.signal]),
    );
    if (answer.outcome === "error") {
      logger.warn(
        { status: answer.status, err: answer.error, cycles: batch.length },
        "statuspage push failed; retrying next cycle",
      );
    } else if (answer.outcome === "dropped") {
      logger.error(
        { status: answer.status, cycles: batch.length },
        "statuspage refused the points (check the page id, metric ids and API key); dropped",
      );
    }
    return answer.outcome;
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
