// The mocks refuse a scheduled task the provider or ESS would refuse
// (tools/mocks/ess-scheduled-task.ts): the run fails, as `pulumi up` would, with the reason.
import * as alicloud from "@pulumi/alicloud";
import { resourcesOfType, runDeclarations } from "../helpers/mocks";
import { SCHEDULED_TASK } from "../helpers/types";

describe("the mock cloud's ESS scheduled tasks", () => {
  const task = (inputs: Partial<alicloud.ess.ScheduledTaskArgs>) => () =>
    new alicloud.ess.ScheduledTask("task", {
      scalingGroupId: "asg-1",
      desiredCapacity: 0,
      launchTime: "2026-12-01T12:00Z",
      recurrenceType: "Cron",
      recurrenceValue: "0 12 * * *",
      recurrenceEndTime: "2027-11-01T00:00Z",
      ...inputs,
    });

  it("takes a task the provider takes", async () => {
    const { resources } = await runDeclarations(task({}));
    expect(resourcesOfType(resources, SCHEDULED_TASK)).toHaveLength(1);
  });

  it.each([
    [{ recurrenceType: "Hourly" }, /recurrenceType Hourly/],
    [{ launchExpirationTime: 1801 }, /launchExpirationTime 1801/],
    [{ launchTime: "2026-12-01 12:00" }, /launchTime .* is not YYYY-MM-DDThh:mmZ/],
    [{ recurrenceEndTime: "2028-01-01T00:00Z" }, /more than 365 days after launchTime/],
    [{ recurrenceEndTime: undefined }, /go together/],
    [{ recurrenceValue: "0 0 12 * * *" }, /not a 5-field cron/],
    [{ desiredCapacity: undefined }, /needs minValue, maxValue or desiredCapacity/],
    [{ scheduledAction: "ari:acs:ess:rule" }, /conflicts with scalingGroupId/],
    [{ scheduledTaskName: "-bad" }, /scheduledTaskName/],
  ] as const)("refuses what the provider or ESS refuses: %j", async (inputs, reason) => {
    await expect(
      runDeclarations(task(inputs as Partial<alicloud.ess.ScheduledTaskArgs>)),
    ).rejects.toThrow(reason);
  });
});
