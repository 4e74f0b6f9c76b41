// The service's longest event-loop stall over a measurement, from its own /metrics:
// prom-client's default metrics sample the loop's delay (perf_hooks monitorEventLoopDelay,
// every 10 ms) and start afresh at each scrape, so a scrape before the load and one after
// give the longest delay in between. A report that arrives during a stall waits for it:
// this is how long the reads (or anything else) kept a report waiting, at most.
import { Agent } from "node:https";
import { get } from "./pollers";

/** monitorEventLoopDelay's sampling interval as prom-client sets it: part of every figure. */
const RESOLUTION_MS = 10;

/** The longest stall since the previous call (ms), or undefined when /metrics has none. */
export async function longestStallMs(base: string, token: string): Promise<number | undefined> {
  const agent = new Agent({ keepAlive: false });
  try {
    const { status, body } = await get(agent, `${base}/metrics`, `Bearer ${token}`);
    if (status !== 200) throw new Error(`GET /metrics answered ${status}`);
    const match = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(body);
    return match ? Math.max(0, Number(match[1]) * 1000 - RESOLUTION_MS) : undefined;
  } finally {
    agent.destroy();
  }
}
