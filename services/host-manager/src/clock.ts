// Time as a dependency, so the health check and the simulations run on an injected clock.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Elapsed time that no step of the wall clock moves (NTP corrections, an operator's
 * `date`): for in-process intervals, deadlines and the lease's observation. Its zero is
 * arbitrary and per process, so it is never stored.
 */
export interface MonotonicClock {
  monotonicMs(): number;
}

export const systemMonotonic: MonotonicClock = { monotonicMs: () => performance.now() };

/** A clock's own monotonic reading when it has one (a test's manual clock), else the system's. */
export function monotonicOf(clock: Clock): MonotonicClock {
  const candidate = clock as Partial<MonotonicClock>;
  return typeof candidate.monotonicMs === "function"
    ? (clock as Clock & MonotonicClock)
    : systemMonotonic;
}
