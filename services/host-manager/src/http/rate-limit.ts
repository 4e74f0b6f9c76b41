// Fixed-window counters by key (a source address): at most `limit` takes per window.
// In memory and bounded in keys, so a flood of addresses cannot grow it without end;
// what it protects (heavy reads, token guesses) needs no more precision than a window.
import type { Clock } from "../clock";

export interface WindowLimit {
  readonly limit: number;
  readonly windowMs: number;
}

interface Window {
  start: number;
  count: number;
}

export class WindowLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly rule: WindowLimit,
    private readonly clock: Clock,
    private readonly maxKeys = 20_000,
  ) {}

  /** Counts one for `key`; false when that is over the limit in the current window. */
  take(key: string): boolean {
    const window = this.current(key, true) as Window;
    window.count++;
    return window.count <= this.rule.limit;
  }

  /** Whether `key` has used up the current window, without counting. */
  blocked(key: string): boolean {
    const window = this.current(key, false);
    return window !== undefined && window.count >= this.rule.limit;
  }

  /** Whole seconds until `key`'s window ends (for Retry-After). */
  retryAfterSeconds(key: string): number {
    const window = this.windows.get(key);
    const left = window ? window.start + this.rule.windowMs - this.clock.now() : 0;
    return Math.max(1, Math.ceil(left / 1000));
  }

  private current(key: string, create: boolean): Window | undefined {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (window !== undefined && now - window.start >= this.rule.windowMs) {
      this.windows.delete(key);
      window = undefined;
    }
    if (window === undefined && create) {
      if (this.windows.size >= this.maxKeys) this.sweep(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Drops ended windows; if every one is current, starts over rather than grow. */
  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.start >= this.rule.windowMs) this.windows.delete(key);
    }
    if (this.windows.size >= this.maxKeys) this.windows.clear();
  }
}
