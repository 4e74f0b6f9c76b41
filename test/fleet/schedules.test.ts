// The whole program with fleet.schedules, its clock injected: an up at night declares the
// night's size for the scaling group (not fleet.instanceCount), by day the count, and the
// host-manager is given the schedule with "instanceCount" resolved, parsed as it parses it.
import { loadConfig } from "@hpc-fleet/host-manager/src/config";
import { plain, resourcesOfType, runStack } from "../helpers/mocks";
import { CONTAINER_GROUP, SCALING_GROUP, SCHEDULED_TASK } from "../helpers/types";

const SCHEDULES = [
  { at: "20:00", timeZone: "Asia/Shanghai", instanceCount: 0 },
  { at: "08:00", timeZone: "Asia/Shanghai", instanceCount: "instanceCount" },
];
const OVERRIDES = {
  image: { existingImageId: "m-2ze0base" },
  fleet: { instanceCount: 2, schedules: SCHEDULES },
};

const groupCapacity = (resources: Awaited<ReturnType<typeof runStack>>["resources"]) =>
  resourcesOfType(resources, SCALING_GROUP)[0]?.inputs.desiredCapacity;

describe("a stack with fleet.schedules", () => {
  it("declares the night's size at night and the count by day", async () => {
    const night = await runStack("dev", OVERRIDES, { now: new Date("2026-12-01T15:00:00Z") });
    expect(groupCapacity(night.resources)).toBe(0);
    const day = await runStack("dev", OVERRIDES, { now: new Date("2026-12-01T04:00:00Z") });
    expect(groupCapacity(day.resources)).toBe(2);
    expect(
      resourcesOfType(day.resources, SCHEDULED_TASK).map((t) => t.inputs.desiredCapacity),
    ).toEqual([0, 2]);
  });

  it("hands the host-manager the schedule with the count resolved", async () => {
    const { resources } = await runStack("dev", OVERRIDES, {
      now: new Date("2026-12-01T04:00:00Z"),
    });
    const [group] = resourcesOfType(resources, CONTAINER_GROUP);
    const [container] = plain<Array<{ environmentVars: Array<{ key: string; value: string }> }>>(
      group.inputs.containers,
    );
    const env = Object.fromEntries(container.environmentVars.map(({ key, value }) => [key, value]));
    expect(loadConfig(env).capacitySchedules).toEqual([
      { at: "20:00", timeZone: "Asia/Shanghai", instanceCount: 0 },
      { at: "08:00", timeZone: "Asia/Shanghai", instanceCount: 2 },
    ]);
  });
});
