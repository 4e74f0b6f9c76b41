// Configuration from the environment: defaults, and errors that name the variable.
import { ConfigError, loadConfig, parseMaxUnhealthy } from "../src/adapters/env/config";
import { TOKEN } from "./support/fixtures";

const base = { HOST_MANAGER_DATA_DIR: "/tmp/hm", HOST_MANAGER_TOKEN: TOKEN };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 8080,
      cloud: "simulated",
      simHosts: 10,
      schedule: "0 */5 * * * *",
      startupTimeoutMinutes: 20,
      heartbeatTimeoutMinutes: 10,
      rebootCooldownMinutes: 15,
      maxRemediationAttempts: 3,
      maxUnhealthy: { kind: "percent", value: 40 },
      replaceMode: "set-unhealthy",
      dryRun: false,
      minHealthyPercentage: 80,
      logLevel: "info",
    });
    expect(config.fleetGeneration).toBeUndefined();
  });

  it("names a missing data dir and token", () => {
    const problems = problemsOf({});
    expect(problems.some((p) => p.startsWith("HOST_MANAGER_DATA_DIR"))).toBe(true);
    expect(problems.some((p) => p.startsWith("HOST_MANAGER_TOKEN"))).toBe(true);
  });

  it("rejects a short token without echoing it", () => {
    const problems = problemsOf({ ...base, HOST_MANAGER_TOKEN: "short-secret-value" });
    expect(problems).toEqual(["HOST_MANAGER_TOKEN: must be at least 32 characters"]);
    expect(problems.join()).not.toContain("short-secret-value");
  });

  it.each([
    ["HOST_MANAGER_PORT", "eighty"],
    ["HOST_MANAGER_PORT", "70000"],
    ["HOST_MANAGER_CLOUD", "aws"],
    ["HOST_MANAGER_SCHEDULE", "*/5 * * * *"],
    ["HOST_MANAGER_SCHEDULE", "0 */5 * * * nonsense"],
    ["HOST_MANAGER_MAX_UNHEALTHY", "40 percent"],
    ["HOST_MANAGER_MAX_UNHEALTHY", "140%"],
    ["HOST_MANAGER_REPLACE_MODE", "delete"],
    ["HOST_MANAGER_DRY_RUN", "yes"],
    ["HOST_MANAGER_STARTUP_TIMEOUT_MINUTES", "0"],
    ["HOST_MANAGER_LOG_LEVEL", "loud"],
    ["HOST_MANAGER_FLEET_GENERATION", "0123456789ABCDEF"],
    ["HOST_MANAGER_FLEET_GENERATION", "0123456789abcde"],
    ["HOST_MANAGER_FLEET_GENERATION", "sha256:0123456789abcdef"],
    ["HOST_MANAGER_SIM_GENERATION", "g123456789abcdef"],
    ["HOST_MANAGER_MIN_HEALTHY_PERCENTAGE", "101"],
    ["HOST_MANAGER_MIN_HEALTHY_PERCENTAGE", "80%"],
    ["HOST_MANAGER_MIN_HEALTHY_PERCENTAGE", "-1"],
    ["HOST_MANAGER_MIN_HEALTHY_PERCENTAGE", "80.5"],
  ])("names %s when it is %p", (name, value) => {
    const problems = problemsOf({ ...base, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it("requires region and scaling group for the real cloud", () => {
    expect(problemsOf({ ...base, HOST_MANAGER_CLOUD: "alicloud" })).toEqual([
      "HOST_MANAGER_REGION: is required when cloud is alicloud",
      "HOST_MANAGER_SCALING_GROUP_ID: is required when cloud is alicloud",
    ]);
    const config = loadConfig({
      ...base,
      HOST_MANAGER_CLOUD: "alicloud",
      HOST_MANAGER_REGION: "cn-hangzhou",
      HOST_MANAGER_SCALING_GROUP_ID: "asg-123",
    });
    expect(config).toMatchObject({
      cloud: "alicloud",
      region: "cn-hangzhou",
      scalingGroupId: "asg-123",
    });
  });

  it("reads the fleet generation and the minimum healthy share for rollouts", () => {
    const config = loadConfig({
      ...base,
      HOST_MANAGER_FLEET_GENERATION: "0123456789abcdef",
      HOST_MANAGER_MIN_HEALTHY_PERCENTAGE: "100",
    });
    expect(config).toMatchObject({
      fleetGeneration: "0123456789abcdef",
      minHealthyPercentage: 100,
    });
    expect(loadConfig({ ...base, HOST_MANAGER_MIN_HEALTHY_PERCENTAGE: "0" })).toMatchObject({
      minHealthyPercentage: 0,
    });
  });

  it("reads counts and percentages for the storm cap", () => {
    expect(parseMaxUnhealthy("5")).toEqual({ kind: "count", value: 5 });
    expect(parseMaxUnhealthy("40%")).toEqual({ kind: "percent", value: 40 });
    expect(parseMaxUnhealthy("-1")).toBeUndefined();
    expect(loadConfig({ ...base, HOST_MANAGER_DRY_RUN: "true" }).dryRun).toBe(true);
  });
});
