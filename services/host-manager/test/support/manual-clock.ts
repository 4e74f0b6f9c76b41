// A clock the tests (and the cycle benchmark) move by hand, injected wherever the
// service takes a Clock. It has a monotonic reading too: advancing moves both, a step
// moves the wall clock alone (as NTP or an operator would).
import type { Clock, MonotonicClock } from "../../src/clock";

export class ManualClock implements Clock, MonotonicClock {
  private elapsed = 0;
  constructor(private current: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.current;
  }
  monotonicMs(): number {
    return this.elapsed;
  }
  advanceMinutes(minutes: number): void {
    this.advanceMs(minutes * 60_000);
  }
  advanceMs(ms: number): void {
    this.current += ms;
    this.elapsed += ms;
  }
  /** Sets the wall clock (before a test starts, or as a step: time itself does not move). */
  set(ms: number): void {
    this.current = ms;
  }
  /** Steps the wall clock by `ms` (negative: backwards); no time passes. */
  step(ms: number): void {
    this.current += ms;
  }
}
