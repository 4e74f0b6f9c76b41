// fleet.schedules as ESS scheduled tasks on the fleet's scaling group, under mocks that
// refuse what the provider and ESS refuse (test/mocks/ess-scheduled-task.test.ts): each entry
// a Cron task in UTC with its count; a count change still changes the group by day (its
// desired capacity) and the restore task; and an up at night declares the night's size.
import { changedInputs } from "../helpers/diff";
import { findResource, resourcesOfType } from "../helpers/mocks";
import { stackConfig } from "../helpers/stacks";
import { SCALING_GROUP, SCHEDULED_TASK } from "../helpers/types";
import { ConfigError } from "../../config";
import { DAY, runHosts } from "./declare";

/** 23:00 in Shanghai (15:00 UTC), the same day. */
const NIGHT = new Date("2026-12-01T15:00:00Z");

const SCHEDULES = [
  { at: "20:00", timeZone: "Asia/Shanghai", instanceCount: 0 },
  { at: "08:00", timeZone: "Asia/Shanghai", instanceCount: "instanceCount" },
];

const config = (instanceCount: number) =>
  stackConfig("dev", { fleet: { instanceCount, maxSize: 10, schedules: SCHEDULES } });

const desiredCapacity = (resources: Parameters<typeof resourcesOfType>[0]) =>
  findResource(resources, SCALING_GROUP, "hpc-group").inputs.desiredCapacity;

describe("fleet.schedules", () => {
  it("is declared as ESS Cron tasks on the group, in UTC, with their counts", async () => {
    const { resources } = await runHosts(config(4), undefined, false, { capacityAt: DAY });
    const tasks = resourcesOfType(resources, SCHEDULED_TASK);
    expect(tasks.map((task) => [task.name, task.parent, task.inputs])).toEqual([
      [
        "hpc-schedule-0",
        "hpc",
        {
          scalingGroupId: "hpc-group-id",
          scheduledTaskName: "hpc-group-s0",
          description: "fleet.schedules[0]: 20:00 Asia/Shanghai, 0 hosts",
          desiredCapacity: 0,
          // 20:00 in Shanghai is 12:00 UTC: ESS runs Cron recurrences in UTC.
          recurrenceType: "Cron",
          recurrenceValue: "0 12 * * *",
          launchTime: "2026-12-01T12:00Z",
          recurrenceEndTime: "2027-11-01T00:00Z",
          launchExpirationTime: 600,
          taskEnabled: true,
        },
      ],
      [
        "hpc-schedule-1",
        "hpc",
        {
          scalingGroupId: "hpc-group-id",
          scheduledTaskName: "hpc-group-s1",
          description: "fleet.schedules[1]: 08:00 Asia/Shanghai, instanceCount hosts",
          desiredCapacity: 4,
          recurrenceType: "Cron",
          recurrenceValue: "0 0 * * *",
          launchTime: "2026-12-02T00:00Z",
          recurrenceEndTime: "2027-11-01T00:00Z",
          launchExpirationTime: 600,
          taskEnabled: true,
        },
      ],
    ]);
    // Sent once, at creation, while it lies ahead: the provider resends it only on a change.
    expect(tasks.map((task) => task.options?.ignoreChanges)).toEqual([
      ["launchTime"],
      ["launchTime"],
    ]);
    expect(desiredCapacity(resources)).toBe(4);
  });

  it("by day, a count change changes the group's desired capacity and the restore task", async () => {
    const before = await runHosts(config(4), undefined, false, { capacityAt: DAY });
    const after = await runHosts(config(6), undefined, false, { capacityAt: DAY });
    expect(changedInputs(before.resources, after.resources)).toEqual({
      [`${SCALING_GROUP}::hpc-group`]: ["desiredCapacity"],
      [`${SCHEDULED_TASK}::hpc-schedule-1`]: ["desiredCapacity"],
    });
    expect(desiredCapacity(after.resources)).toBe(6);
  });

  it("at night, an up declares the night's size, and a count change reaches the restore task", async () => {
    const before = await runHosts(config(4), undefined, false, { capacityAt: NIGHT });
    expect(desiredCapacity(before.resources)).toBe(0);
    const after = await runHosts(config(6), undefined, false, { capacityAt: NIGHT });
    expect(desiredCapacity(after.resources)).toBe(0);
    expect(changedInputs(before.resources, after.resources)).toEqual({
      [`${SCHEDULED_TASK}::hpc-schedule-1`]: ["desiredCapacity"],
    });
  });

  it("an up minutes before an entry fires declares the entry's size already", async () => {
    // 19:50 in Shanghai: the update could land after the 20:00 task.
    const { resources } = await runHosts(config(4), undefined, false, {
      capacityAt: new Date("2026-12-01T11:50:00Z"),
    });
    expect(desiredCapacity(resources)).toBe(0);
  });

  it("declares no task and the count without schedules", async () => {
    const { resources } = await runHosts(stackConfig("dev", { fleet: { instanceCount: 3 } }));
    expect(resourcesOfType(resources, SCHEDULED_TASK)).toEqual([]);
    expect(desiredCapacity(resources)).toBe(3);
  });
});

describe("fleet.schedules in the stack config", () => {
  const problems = (schedules: unknown[], fleet: Record<string, unknown> = {}) => {
    try {
      stackConfig("dev", { fleet: { instanceCount: 4, schedules, ...fleet } });
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    return "";
  };

  it("names the key of a zone with daylight saving, and says why", () => {
    expect(problems([{ at: "20:00", timeZone: "Europe/Berlin", instanceCount: 0 }])).toMatch(
      /hpc-fleet:fleet\.schedules\[0\]\.timeZone: Europe\/Berlin changes its offset .*daylight saving.*UTC/,
    );
  });

  it("names the key of a bad cron and of a bad time", () => {
    const message = problems([
      { cron: "0 20 * *", instanceCount: 0 },
      { at: "25:00", instanceCount: 0 },
    ]);
    expect(message).toContain("hpc-fleet:fleet.schedules[0].cron: must be a valid 5-field cron");
    expect(message).toContain("hpc-fleet:fleet.schedules[1].at: must be a time of day");
  });

  it("refuses a count above fleet.maxSize or below fleet.minSize", () => {
    const message = problems(
      [
        { at: "20:00", instanceCount: 1 },
        { at: "08:00", instanceCount: 12 },
      ],
      { minSize: 2, maxSize: 10 },
    );
    expect(message).toContain(
      "hpc-fleet:fleet.schedules[1].instanceCount: must not exceed fleet.maxSize (12 > 10)",
    );
    expect(message).toContain(
      "hpc-fleet:fleet.schedules[0].instanceCount: must not be below fleet.minSize (1 < 2)",
    );
  });

  it("refuses two entries in the same minute, and one that fires less than every 90 days", () => {
    const message = problems([
      { at: "12:00", timeZone: "Asia/Shanghai", instanceCount: 0 },
      { at: "04:00", timeZone: "UTC", instanceCount: 2 },
      { cron: "0 0 1 1 *", instanceCount: 2 },
    ]);
    expect(message).toContain(
      "hpc-fleet:fleet.schedules[1]: fires in the same minute as fleet.schedules[0]",
    );
    expect(message).toContain("hpc-fleet:fleet.schedules[2]: must fire at least every 90 days");
  });
});
