// The steady clock: elapsed times from the monotonic clock, whatever the system clock does.
import { clockOffsetMs, steadyClockFrom } from "../src/clock";
import { T0 } from "./support/fixtures";

const DAY = 24 * 60 * 60_000;

describe("steadyClockFrom", () => {
  it("starts at the wall clock and advances with the monotonic clock only", () => {
    let wall = T0;
    let monotonic = 1_000.25;
    const clock = steadyClockFrom(
      () => wall,
      () => monotonic,
    );
    expect(clock.now()).toBe(T0);
    monotonic += 30_000.5;
    expect(clock.now()).toBe(T0 + 30_000);
    // The system clock is stepped a day forward, then corrected a day back.
    wall += DAY;
    monotonic += 60_000;
    expect(clock.now()).toBe(T0 + 90_000);
    expect(clockOffsetMs(clock, () => wall)).toBe(DAY - 90_000);
    wall -= DAY;
    monotonic += 60_000;
    expect(clock.now()).toBe(T0 + 150_000);
  });

  it("reads whole milliseconds that never go back", () => {
    let monotonic = 0;
    const clock = steadyClockFrom(
      () => T0,
      () => monotonic,
    );
    let last = clock.now();
    for (let i = 0; i < 50; i++) {
      monotonic += 0.37;
      const now = clock.now();
      expect(Number.isInteger(now)).toBe(true);
      expect(now).toBeGreaterThanOrEqual(last);
      last = now;
    }
  });
});
