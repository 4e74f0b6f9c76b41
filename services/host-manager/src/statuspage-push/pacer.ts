// Statuspage allows one request a second per API key (https://developer.statuspage.io/,
// "Rate Limiting"): every request of the service, metrics batch, component or incident,
// waits for its turn here, so together they keep the gap.
import { steadyClock, type Clock } from "../clock";

export class RequestPacer {
  private lastStartAt = -Infinity;
  private queue: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wakers = new Set<() => void>();

  constructor(
    private minIntervalMs = 1000,
    private readonly clock: Clock = steadyClock,
  ) {}

  /** Resolves when a request may start (never rejects); after close(), at once. */
  turn(): Promise<void> {
    const mine = this.queue.then(() => this.waitForGap());
    this.queue = mine;
    return mine;
  }

  /** Stops every wait: the waiting requests go on at once and are expected to see the close. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.wakers) wake();
    this.wakers.clear();
    this.minIntervalMs = 0;
  }

  private async waitForGap(): Promise<void> {
    const wait = this.lastStartAt + this.minIntervalMs - this.clock.now();
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.timers.delete(timer);
          this.wakers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        timer.unref();
        this.timers.add(timer);
        this.wakers.add(done);
      });
    }
    this.lastStartAt = this.clock.now();
  }
}
