// When a host counts as saturated: a report over either threshold, sustained over the
// configured number of reports in a row; a figure the host did not send counts for nothing.
import {
  DEFAULT_SATURATION,
  isSaturated,
  isSaturatedSample,
  type LoadFigures,
} from "../../src/domain/load";

const sample = (cpuPercent: number | null, memoryAvailablePercent: number | null): LoadFigures => ({
  cpuPercent,
  memoryAvailablePercent,
  clientCpuPercent: null,
  clientWorkingSetBytes: null,
});

describe("isSaturatedSample", () => {
  it.each([
    [90, 50, true],
    [89.9, 50, false],
    [10, 10, true],
    [10, 10.1, false],
    [null, 5, true],
    [95, null, true],
    [null, null, false],
  ])("cpu %p%%, memory left %p%%: %p", (cpu, memory, saturated) => {
    expect(isSaturatedSample(sample(cpu, memory), DEFAULT_SATURATION)).toBe(saturated);
  });
});

describe("isSaturated", () => {
  const hot = sample(99, 50);
  const calm = sample(20, 50);

  it("needs the configured number of saturated reports in a row, newest first", () => {
    expect(isSaturated([hot, hot], DEFAULT_SATURATION)).toBe(false);
    expect(isSaturated([hot, hot, hot], DEFAULT_SATURATION)).toBe(true);
    expect(isSaturated([hot, hot, hot, calm], DEFAULT_SATURATION)).toBe(true);
    expect(isSaturated([calm, hot, hot, hot], DEFAULT_SATURATION)).toBe(false);
    expect(isSaturated([hot, calm, hot], DEFAULT_SATURATION)).toBe(false);
  });

  it("follows the settings", () => {
    const one = { cpuPercent: 50, memoryAvailablePercent: 0, reports: 1 };
    expect(isSaturated([calm], one)).toBe(false);
    expect(isSaturated([sample(50, 50)], one)).toBe(true);
    expect(isSaturated([sample(10, 0)], one)).toBe(true);
    expect(isSaturated([], one)).toBe(false);
  });
});
