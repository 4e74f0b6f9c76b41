// A clock the tests (and the cycle benchmark) move by hand, injected wherever the
// service takes a Clock.
import type { Clock } from "../../src/clock";

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
