// Planned freeze windows cross from the stack config to the host-manager intact: the
// Pulumi half renders them into HOST_MANAGER_FREEZE_WINDOWS, the service half parses
// them with the same schema, and a time inside one (in its time zone) is in the window.
import {
  activeFreezeWindow,
  freezeWindowsSchema,
  HOST_MANAGER_ENV,
  parseHostManagerEnv,
} from "@hpc-fleet/fleet-contract";
import { loadConfig } from "@hpc-fleet/host-manager/src/config";
import { resourcesOfType, plain, runStack } from "../helpers/mocks";
import { CONTAINER_GROUP } from "../helpers/types";

const WINDOWS = [
  { start: "0 0 20 * * 1-5", durationMinutes: 120, timeZone: "Europe/Berlin", reason: "nightly" },
];

describe("a freeze window", () => {
  const [window] = freezeWindowsSchema.parse(WINDOWS);
  // Monday 2026-01-05: 20:00 in Berlin (CET, UTC+1) is 19:00 UTC.
  const at = (iso: string) => Date.parse(iso);

  it("holds from its start for its duration, in its time zone", () => {
    expect(activeFreezeWindow([window], at("2026-01-05T18:59:59Z"))).toBeNull();
    expect(activeFreezeWindow([window], at("2026-01-05T19:00:00Z"))).toMatchObject({
      startedAt: at("2026-01-05T19:00:00Z"),
      endsAt: at("2026-01-05T21:00:00Z"),
    });
    expect(activeFreezeWindow([window], at("2026-01-05T20:59:59Z"))).not.toBeNull();
    expect(activeFreezeWindow([window], at("2026-01-05T21:00:00Z"))).toBeNull();
    // Saturday: not a weekday.
    expect(activeFreezeWindow([window], at("2026-01-10T19:30:00Z"))).toBeNull();
  });

  it("is refused in the environment with the variable named", () => {
    const result = parseHostManagerEnv({
      HOST_MANAGER_DATA_DIR: "/data",
      HOST_MANAGER_TOKEN: "t".repeat(40),
      [HOST_MANAGER_ENV.freezeWindows]: JSON.stringify([{ start: "bad", durationMinutes: 5 }]),
    });
    expect(result).toEqual({
      success: false,
      problems: [expect.stringMatching(/^HOST_MANAGER_FREEZE_WINDOWS: 0\.start must be a valid/)],
    });
  });
});

test("the stack's freeze windows reach the host-manager as it parses them", async () => {
  const { resources } = await runStack("dev", {
    image: { existingImageId: "m-2ze0base" },
    healthCheck: { freezeWindows: WINDOWS },
  });
  const [group] = resourcesOfType(resources, CONTAINER_GROUP);
  const [container] = plain<Array<{ environmentVars: Array<{ key: string; value: string }> }>>(
    group.inputs.containers,
  );
  const env = Object.fromEntries(container.environmentVars.map(({ key, value }) => [key, value]));
  expect(loadConfig(env).freezeWindows).toEqual(WINDOWS);
});

test("without windows the variable is not set, and the service has none", async () => {
  const { resources } = await runStack("dev", { image: { existingImageId: "m-2ze0base" } });
  const [group] = resourcesOfType(resources, CONTAINER_GROUP);
  const [container] = plain<Array<{ environmentVars: Array<{ key: string }> }>>(
    group.inputs.containers,
  );
  expect(container.environmentVars.map((v) => v.key)).not.toContain(HOST_MANAGER_ENV.freezeWindows);
});
