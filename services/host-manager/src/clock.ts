// Time as a dependency, so the health check and the simulations run on an injected clock.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock the tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  advanceMinutes(minutes: number): void {
    this.current += minutes * 60_000;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
