// Scheduled capacity crosses from the stack config to ESS and the host-manager intact:
// each entry's UTC cron fires when the local one does (ESS runs Cron recurrences in UTC),
// zones that move their clocks are refused, the capacity in effect is the last entry's,
// and the service half parses HOST_MANAGER_CAPACITY_SCHEDULES with the same schema.
import {
  capacityInEffect,
  capacitySchedulesSchema,
  HOST_MANAGER_ENV,
  parseHostManagerEnv,
  resolveSchedules,
  scheduledScaleIn,
  utcRecurrence,
} from "@hpc-fleet/fleet-contract";

const FROM = new Date("2026-12-01T12:00:00Z");
const at = (iso: string) => Date.parse(iso);

describe("an entry's UTC form", () => {
  it("shifts a fixed-offset zone's time of day and weekdays to UTC", () => {
    expect(utcRecurrence({ at: "20:00", timeZone: "Asia/Shanghai" }, FROM)).toEqual({
      cron: "0 12 * * *",
    });
    // 01:00 Monday-Friday in Shanghai is 17:00 Sunday-Thursday in UTC.
    expect(utcRecurrence({ cron: "0 1 * * 1-5", timeZone: "Asia/Shanghai" }, FROM)).toEqual({
      cron: "0 17 * * 0,1,2,3,4",
    });
    expect(utcRecurrence({ at: "20:30", timeZone: "Asia/Kolkata" }, FROM)).toEqual({
      cron: "0 15 * * *",
    });
    expect(utcRecurrence({ cron: "0 20 * * 1-5", timeZone: "UTC" }, FROM)).toEqual({
      cron: "0 20 * * 1-5",
    });
  });

  it("refuses a zone with daylight saving, saying why", () => {
    expect(utcRecurrence({ at: "20:00", timeZone: "Europe/Berlin" }, FROM)).toEqual({
      key: "timeZone",
      problem: expect.stringMatching(/daylight saving.*ESS runs .*Cron recurrence in UTC/),
    });
  });

  it("refuses a cron whose days would shift across midnight", () => {
    // 03:00 on the 1st in Shanghai is 19:00 on the last day of the month before, in UTC.
    expect(utcRecurrence({ cron: "0 3 1 * *", timeZone: "Asia/Shanghai" }, FROM)).toMatchObject({
      key: "cron",
    });
  });
});

describe("the schedule's schema", () => {
  it("names the key of each problem", () => {
    const result = capacitySchedulesSchema.safeParse([
      { at: "20:00", timeZone: "Europe/Berlin", instanceCount: 0 },
      { at: "8:00", instanceCount: 2 },
      { cron: "0 8 * *", instanceCount: 2 },
      { at: "08:00", cron: "0 8 * * *", instanceCount: 2 },
      { at: "08:00", timeZone: "Mars/Olympus", instanceCount: 2 },
      { at: "08:00", instanceCount: "all" },
    ]);
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join("."));
    expect(paths).toEqual([
      "0.timeZone",
      "1.at",
      "2.cron",
      "3.at",
      "4.timeZone",
      "5.instanceCount",
    ]);
  });

  it("takes a count as pulumi config set --path stores it, and the restore word", () => {
    expect(
      capacitySchedulesSchema.parse([
        { at: "20:00", instanceCount: "0" },
        { at: "08:00", instanceCount: "instanceCount" },
      ]),
    ).toEqual([
      { at: "20:00", timeZone: "UTC", instanceCount: 0 },
      { at: "08:00", timeZone: "UTC", instanceCount: "instanceCount" },
    ]);
  });
});

describe("the capacity in effect", () => {
  const entries = capacitySchedulesSchema.parse([
    { at: "20:00", timeZone: "Asia/Shanghai", instanceCount: 0 },
    { at: "08:00", timeZone: "Asia/Shanghai", instanceCount: "instanceCount" },
  ]);
  const schedules = resolveSchedules(entries, 8, FROM);

  it("is the last entry's that fired, in its zone, and instanceCount for the restore", () => {
    expect(schedules.map((s) => s.instanceCount)).toEqual([0, 8]);
    // 19:00 in Shanghai (11:00 UTC): the 08:00 entry's.
    expect(capacityInEffect(schedules, 8, at("2026-12-01T11:00:00Z")).instanceCount).toBe(8);
    // 23:00 in Shanghai (15:00 UTC): the night's.
    expect(capacityInEffect(schedules, 8, at("2026-12-01T15:00:00Z")).instanceCount).toBe(0);
  });

  it("counts an entry due within the lookahead as fired", () => {
    // 19:50 in Shanghai: ten minutes before the scale-in.
    expect(capacityInEffect(schedules, 8, at("2026-12-01T11:50:00Z")).instanceCount).toBe(0);
    expect(capacityInEffect(schedules, 8, at("2026-12-01T11:50:00Z"), 0).instanceCount).toBe(8);
  });

  it("is instanceCount when no entry ever fired", () => {
    expect(capacityInEffect([], 8, at("2026-12-01T15:00:00Z"))).toEqual({ instanceCount: 8 });
  });

  it("tells a scale-in within its window from a scale-out", () => {
    expect(scheduledScaleIn(schedules, at("2026-12-01T12:10:00Z"), 3_600_000)).toEqual({
      firedAt: at("2026-12-01T12:00:00Z"),
      from: 8,
      to: 0,
    });
    expect(scheduledScaleIn(schedules, at("2026-12-01T13:10:00Z"), 3_600_000)).toBeNull();
    expect(scheduledScaleIn(schedules, at("2026-12-02T00:10:00Z"), 3_600_000)).toBeNull();
  });
});

describe("HOST_MANAGER_CAPACITY_SCHEDULES", () => {
  const base = { HOST_MANAGER_DATA_DIR: "/data", HOST_MANAGER_TOKEN: "t".repeat(40) };

  it("parses the entries the program renders", () => {
    const value = JSON.stringify([{ at: "20:00", timeZone: "Asia/Shanghai", instanceCount: 0 }]);
    const result = parseHostManagerEnv({ ...base, [HOST_MANAGER_ENV.capacitySchedules]: value });
    expect(result).toMatchObject({
      success: true,
      env: {
        [HOST_MANAGER_ENV.capacitySchedules]: [
          { at: "20:00", timeZone: "Asia/Shanghai", instanceCount: 0 },
        ],
      },
    });
  });

  it("refuses the restore word, which only the program can resolve, with the variable named", () => {
    const value = JSON.stringify([{ at: "08:00", instanceCount: "instanceCount" }]);
    const result = parseHostManagerEnv({ ...base, [HOST_MANAGER_ENV.capacitySchedules]: value });
    expect(result).toEqual({
      success: false,
      problems: ["HOST_MANAGER_CAPACITY_SCHEDULES: 0.instanceCount must be a number of hosts here"],
    });
  });
});
