// The hand-written check on the report route must agree with the zod schema on every
// body: accept exactly what it accepts (with the same data, the same optional fields
// dropped) and refuse with its error.
import { OPTIONAL_REPORT_FIELDS } from "@hpc-fleet/fleet-contract";
import { firstIssue, hostReportSchema, parseHostReport } from "../../../src/http/api/schemas";
import { report } from "../../support/fixtures";
import { seededRandom } from "../../../src/simulation/random";

/** Valid and invalid values for each field, edge cases on both sides of every bound. */
const VALUES: Record<string, unknown[]> = {
  instanceId: ["i-a", "i-" + "a".repeat(60), "i-" + "a".repeat(61), "i-", "I-abc", "i-a_b", 1],
  privateIp: ["10.0.0.5", "0.0.0.0", "255.255.255.255", "256.0.0.1", "01.2.3.4", "1.2.3", ""],
  mac: ["00:16:3e:00:00:01", "00-16-3E-00-00-01", "00:16:3e:00:00", "0016.3e00.0001", null],
  status: [1, 2, 3, 4, 0, 5, 2.5, "2", -0, Number.MAX_SAFE_INTEGER],
  logicalCpus: [1, 8, 4096, 4097, 0, 8.5, "8", null, 2 ** 53],
  physicalCpus: [1, 4, 8, 16, 4096, 0, 4.5, "4"],
  clientVersion: [undefined, "1.2.3", "", "x".repeat(64), "x".repeat(65), "a\u0007", "版本", 3],
  hostname: [undefined, "hpc-1", "a".repeat(63), "a".repeat(64), "-x", "a b", "", null],
  spotTerminationTime: [
    undefined,
    "2015-01-05T18:02:00Z",
    "2015-01-05T18:02:00.123Z",
    "2015-01-05T18:02:00+08:00",
    "2015-13-45T18:02:00Z",
    "2015-01-05 18:02:00",
    "x".repeat(1000),
    0,
  ],
  cpuPercent: [undefined, 0, 55.5, 100, 100.01, -1, "50", null, 1e308],
  memoryAvailablePercent: [undefined, 0, 9.99, 100, 101, -0.5, true],
  clientCpuPercent: [undefined, 0, 12.5, 100, 250, -3, "1"],
  clientWorkingSetBytes: [undefined, 0, 123456789, 2 ** 50, 2 ** 50 + 1, 1.5, -1, "1"],
};

describe("parseHostReport", () => {
  it("gives the zod schema's result for thousands of generated bodies", () => {
    const rnd = seededRandom(7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
    const bodies: unknown[] = [null, [], "x", 3, {}, report("i-sim-0001")];
    for (let i = 0; i < 5000; i++) {
      const body: Record<string, unknown> = { ...report("i-sim-0001") };
      for (const [field, values] of Object.entries(VALUES)) {
        if (rnd() < 0.3) {
          const value = pick(values);
          if (value === undefined && rnd() < 0.5) delete body[field];
          else body[field] = value;
        }
      }
      if (rnd() < 0.05) delete body[pick(Object.keys(VALUES))];
      if (rnd() < 0.1) body.extra = { nested: true };
      bodies.push(body);
    }
    let accepted = 0;
    for (const body of bodies) {
      const zod = hostReportSchema.safeParse(body);
      const fast = parseHostReport(body);
      if (zod.success) {
        accepted++;
        const sent = body as Record<string, unknown>;
        const dropped = OPTIONAL_REPORT_FIELDS.filter(
          (f) => sent[f] !== undefined && zod.data[f] === undefined,
        );
        expect(fast).toEqual({ success: true, data: zod.data, dropped });
      } else {
        expect(fast).toEqual({ success: false, error: firstIssue(zod.error) });
      }
    }
    // Both sides of the comparison are exercised.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(bodies.length - 100);
  });

  it("drops unknown fields, as the schema does", () => {
    const parsed = parseHostReport({ ...report("i-sim-0001"), admin: true, version: 99 });
    expect(parsed.success && Object.keys(parsed.data).sort()).toEqual(
      Object.keys(report("i-sim-0001")).sort(),
    );
  });

  it.each([
    ["a 65-character clientVersion", { clientVersion: "x".repeat(65) }, ["clientVersion"]],
    ["a non-ASCII clientVersion", { clientVersion: "版本" }, ["clientVersion"]],
    ["a host name with an underscore", { hostname: "hpc_0001" }, ["hostname"]],
    ["a 64-character host name", { hostname: "a".repeat(64) }, ["hostname"]],
    [
      "both, of the wrong type",
      { clientVersion: 3, hostname: null },
      ["clientVersion", "hostname"],
    ],
    ["an oversized CPU figure", { cpuPercent: 1e9 }, ["cpuPercent"]],
    ["a negative memory figure", { memoryAvailablePercent: -1 }, ["memoryAvailablePercent"]],
    ["a working set as a string", { clientWorkingSetBytes: "1GB" }, ["clientWorkingSetBytes"]],
    ["a fractional working set", { clientWorkingSetBytes: 1.5 }, ["clientWorkingSetBytes"]],
    ["a client CPU over 100", { clientCpuPercent: 400 }, ["clientCpuPercent"]],
    [
      "a local termination time",
      { spotTerminationTime: "2026-12-01 17:03:00" },
      ["spotTerminationTime"],
    ],
    [
      "an impossible termination time",
      { spotTerminationTime: "2026-02-30T25:00:00Z" },
      ["spotTerminationTime"],
    ],
  ])("accepts a report with %s, without the field", (_name, overrides, dropped) => {
    const parsed = parseHostReport({ ...report("i-sim-0001"), ...overrides });
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(parsed.dropped).toEqual(dropped);
    for (const field of dropped) expect(parsed.data).not.toHaveProperty(field);
    expect(hostReportSchema.safeParse({ ...report("i-sim-0001"), ...overrides }).success).toBe(
      true,
    );
  });

  it("still refuses a report whose required field does not fit", () => {
    const parsed = parseHostReport({ ...report("i-sim-0001"), mac: "nope", hostname: "a_b" });
    expect(parsed).toEqual({
      success: false,
      error: { field: "mac", message: "must be a MAC address" },
    });
  });
});
