// Time as a dependency, so the health check and the simulations run on an injected clock.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The system's wall clock as it is read: it steps when the system's time is set. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * The wall-clock time when it was made, advanced by a monotonic clock: whole
 * milliseconds since the epoch that never go back and never jump. Every elapsed time
 * the service measures (heartbeat and start-up timeouts, cooldowns, rate-limit windows,
 * pacing) is a difference of two of its readings, so a step of the system clock while
 * the service runs (a day forward, then corrected) moves none of them. The price: a
 * step is followed only from the next start (clockOffsetMs shows how far they differ).
 */
export function steadyClockFrom(wallNow: () => number, monotonicNow: () => number): Clock {
  const wallAtStart = wallNow();
  const monotonicAtStart = monotonicNow();
  return { now: () => wallAtStart + Math.floor(monotonicNow() - monotonicAtStart) };
}

/** The process's steady clock, anchored to the wall clock when this module loads. */
export const steadyClock: Clock = steadyClockFrom(Date.now, () => performance.now());

/** How far the system's wall clock is from `clock` now (positive: the wall clock is ahead). */
export function clockOffsetMs(clock: Clock, wallNow: () => number = Date.now): number {
  return wallNow() - clock.now();
}

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
