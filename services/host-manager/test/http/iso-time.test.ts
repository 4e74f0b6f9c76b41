import { isoTime } from "../../src/http/iso-time";

const viaDate = (ms: number) => new Date(ms).toISOString();

describe("isoTime", () => {
  it("writes what Date#toISOString writes at the edges of days, months, years and its range", () => {
    const edges = [
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999), // a leap day of a century divisible by 400
      Date.UTC(2100, 1, 28, 12),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z: the last four-digit year
    ];
    for (const ms of edges) expect(isoTime(ms)).toBe(viaDate(ms));
  });

  it("writes what Date#toISOString writes across its range (a seeded sweep)", () => {
    let seed = 0x2545f491;
    const next = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    const mismatches: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      // Spread over the whole range, and packed around now (what the service mostly writes).
      const ms =
        i % 2 === 0
          ? Math.floor(next() * 253_402_300_800_000)
          : Date.UTC(2026, 11, 1) + Math.floor((next() - 0.5) * 400 * 86_400_000);
      if (isoTime(ms) !== viaDate(ms)) mismatches.push(ms);
    }
    expect(mismatches).toEqual([]);
  });

  it("hands Date what it does not format itself: before 1970, six-digit years, fractions", () => {
    for (const ms of [-1, -86_400_001, 253_402_300_800_000, 8.64e15, 1.5, 1_700_000_000_000.25]) {
      expect(isoTime(ms)).toBe(viaDate(ms));
    }
  });

  it("throws Date's RangeError for a time that is no time", () => {
    for (const ms of [NaN, Infinity, 8.64e15 + 1]) {
      expect(() => isoTime(ms)).toThrow(RangeError);
    }
  });
});
