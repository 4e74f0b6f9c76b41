// The contract between the two halves: the container environment the Pulumi program
// declares for each shipped stack is one the host-manager's own config loader accepts,
// with the values the stack meant (and the generation the hosts are tagged with).
import { GENERATION_TAG, HOST_MANAGER_VERSION } from "@hpc-fleet/fleet-contract";
import { loadConfig } from "@hpc-fleet/host-manager/src/config";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RecordedResource } from "../../tools/mocks/recorder";
import { resourcesOfType, plain, runStack } from "../helpers/mocks";
import { PROJECT_DIR, SHIPPED_STACKS, stackConfig } from "../helpers/stacks";
import { CONTAINER_GROUP, IMAGE_BUILD, SCALING_CONFIGURATION } from "../helpers/types";

const WITH_IMAGE = { image: { existingImageId: "m-2ze0base" } };
const STATUSPAGE = {
  hostManager: {
    statuspage: {
      pageId: "abc123",
      metricIds: {
        hostsTotal: "m1",
        running: "m2",
        unhealthy: "m3",
        remediating: "m4",
        remediations: "m5",
      },
      componentId: "cmp1",
    },
  },
};

function only(resources: readonly RecordedResource[]): RecordedResource {
  expect(resources).toHaveLength(1);
  return resources[0];
}

/** The container's environment as the running container would see it. */
function declaredEnvironment(resources: readonly RecordedResource[]): Record<string, string> {
  const [container] = plain<Array<{ environmentVars: Array<{ key: string; value: string }> }>>(
    only(resourcesOfType(resources, CONTAINER_GROUP)).inputs.containers,
  );
  return Object.fromEntries(container.environmentVars.map(({ key, value }) => [key, value]));
}

describe.each(SHIPPED_STACKS)("%s", (stack) => {
  test("the host-manager accepts the environment the stack declares for it", async () => {
    const { resources } = await runStack(stack, WITH_IMAGE);
    const env = declaredEnvironment(resources);
    const config = loadConfig(env);
    const expected = stackConfig(stack, WITH_IMAGE);
    const tags = plain<Record<string, string>>(
      only(resourcesOfType(resources, SCALING_CONFIGURATION)).inputs.tags,
    );
    expect(config).toMatchObject({
      cloud: "alicloud",
      region: expected.region,
      port: expected.hostManager.port,
      schedule: expected.healthCheck.schedule,
      startupTimeoutMinutes: expected.healthCheck.startupTimeoutMinutes,
      heartbeatTimeoutMinutes: expected.healthCheck.heartbeatTimeoutMinutes,
      replaceMode: expected.hostManager.replaceMode,
      minHealthyPercentage: expected.fleet.minHealthyPercentage,
      // State on NAS (NFS) keeps SQLite off WAL.
      dataOnNetworkFs: expected.hostManager.storage === "nas",
      // The generation the hosts are tagged with is the one the manager rolls towards.
      fleetGeneration: tags[GENERATION_TAG],
    });
    expect(config.tokenPrevious).toBeDefined();
    expect(config.statuspage).toBeUndefined();
  });

  test("with Statuspage configured, the host-manager accepts it and pushes", async () => {
    const { resources } = await runStack(
      stack,
      { ...WITH_IMAGE, ...STATUSPAGE },
      { secrets: { statuspageApiKey: "sp-key-0123456789" } },
    );
    expect(loadConfig(declaredEnvironment(resources)).statuspage).toMatchObject({
      pageId: "abc123",
      apiKey: "sp-key-0123456789",
      metricIds: STATUSPAGE.hostManager.statuspage.metricIds,
      componentId: "cmp1",
    });
  });
});

test("the host-manager's package version is the one the contract deploys", async () => {
  const manifest = JSON.parse(
    readFileSync(join(PROJECT_DIR, "services", "host-manager", "package.json"), "utf8"),
  ) as { version: string };
  expect(manifest.version).toBe(HOST_MANAGER_VERSION);
  const { resources } = await runStack("dev", WITH_IMAGE);
  const [build] = resourcesOfType(resources, IMAGE_BUILD);
  expect(build.inputs.tags).toEqual([
    expect.stringMatching(new RegExp(`:${HOST_MANAGER_VERSION}$`)),
  ]);
});
