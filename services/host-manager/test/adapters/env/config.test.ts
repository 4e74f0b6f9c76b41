// Configuration from the environment: defaults, the Statuspage and token-rotation
// variables, and errors that name the variable without echoing a secret.
import { ConfigError, loadConfig, parseMaxUnhealthy } from "../../../src/adapters/env/config";
import {
  STATUSPAGE_API_KEY as API_KEY,
  STATUSPAGE_COMPONENT_ID,
  STATUSPAGE_METRIC_IDS as METRIC_IDS,
  statuspageEnv,
} from "../../support/fake-statuspage";
import { PREVIOUS_TOKEN as PREVIOUS, TOKEN } from "../../support/fixtures";

const base = { HOST_MANAGER_DATA_DIR: "/tmp/hm", HOST_MANAGER_TOKEN: TOKEN };

/** What loadConfig refuses `env` for; none when it accepts it. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
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
    ["HOST_MANAGER_SATURATION_CPU_PERCENT", "0"],
    ["HOST_MANAGER_SATURATION_CPU_PERCENT", "101"],
    ["HOST_MANAGER_SATURATION_MEMORY_AVAILABLE_PERCENT", "100"],
    ["HOST_MANAGER_SATURATION_REPORTS", "0"],
    ["HOST_MANAGER_SATURATION_REPORTS", "21"],
  ])("names %s when it is %p", (name, value) => {
    const problems = problemsOf({ ...base, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it("requires region and scaling group for the real cloud", () => {
    expect(problemsOf({ ...base, HOST_MANAGER_CLOUD: "alicloud" })).toEqual([
      "HOST_MANAGER_REGION: is required when cloud is alicloud",
      "HOST_MANAGER_SCALING_GROUP_ID: is required when cloud is alicloud",
      "HOST_MANAGER_ACCOUNT_ID: is required when cloud is alicloud",
    ]);
    const config = loadConfig({
      ...base,
      HOST_MANAGER_CLOUD: "alicloud",
      HOST_MANAGER_ACCOUNT_ID: "1335926999564873",
      HOST_MANAGER_REGION: "cn-hangzhou",
      HOST_MANAGER_SCALING_GROUP_ID: "asg-123",
    });
    expect(config).toMatchObject({
      cloud: "alicloud",
      region: "cn-hangzhou",
      scalingGroupId: "asg-123",
    });
  });

  it("leaves the endpoints to the driver unless overridden, and names a bad one", () => {
    const alicloud = {
      ...base,
      HOST_MANAGER_CLOUD: "alicloud",
      HOST_MANAGER_ACCOUNT_ID: "1335926999564873",
      HOST_MANAGER_REGION: "cn-hangzhou",
      HOST_MANAGER_SCALING_GROUP_ID: "asg-123",
    };
    const config = loadConfig(alicloud);
    expect(config).not.toHaveProperty("ecsEndpoint");
    expect(config).not.toHaveProperty("essEndpoint");
    expect(
      loadConfig({
        ...alicloud,
        HOST_MANAGER_ECS_ENDPOINT: "ecs.cn-hangzhou.aliyuncs.com",
        HOST_MANAGER_ESS_ENDPOINT: "127.0.0.1:8081",
      }),
    ).toMatchObject({ ecsEndpoint: "ecs.cn-hangzhou.aliyuncs.com", essEndpoint: "127.0.0.1:8081" });
    expect(
      problemsOf({ ...alicloud, HOST_MANAGER_ESS_ENDPOINT: "https://ess.aliyuncs.com" }),
    ).toEqual([
      "HOST_MANAGER_ESS_ENDPOINT: must be a host name like ecs-vpc.cn-hangzhou.aliyuncs.com",
    ]);
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

  it("reads the saturation thresholds, 90% CPU, 10% memory left over 3 reports by default", () => {
    expect(loadConfig(base).saturation).toEqual({
      cpuPercent: 90,
      memoryAvailablePercent: 10,
      reports: 3,
    });
    const config = loadConfig({
      ...base,
      HOST_MANAGER_SATURATION_CPU_PERCENT: "95",
      HOST_MANAGER_SATURATION_MEMORY_AVAILABLE_PERCENT: "5",
      HOST_MANAGER_SATURATION_REPORTS: "20",
    });
    expect(config.saturation).toEqual({ cpuPercent: 95, memoryAvailablePercent: 5, reports: 20 });
  });

  it("reads counts and percentages for the storm cap", () => {
    expect(parseMaxUnhealthy("5")).toEqual({ kind: "count", value: 5 });
    expect(parseMaxUnhealthy("40%")).toEqual({ kind: "percent", value: 40 });
    expect(parseMaxUnhealthy("-1")).toBeUndefined();
    expect(loadConfig({ ...base, HOST_MANAGER_DRY_RUN: "true" }).dryRun).toBe(true);
  });
});

describe("Statuspage configuration", () => {
  const problems = (env: Record<string, string>) => problemsOf({ ...base, ...env }).join("\n");

  it("is off when none of the three variables is set, with the public API as the default URL", () => {
    expect(loadConfig(base).statuspage).toBeUndefined();
    expect(loadConfig({ ...base, ...statuspageEnv("") }).statuspage).toEqual({
      pageId: "page01",
      apiKey: API_KEY,
      metricIds: METRIC_IDS,
      url: "https://api.statuspage.io",
    });
  });

  it("needs all three or none, naming the missing variable and never echoing the key", () => {
    const { HOST_MANAGER_STATUSPAGE_METRIC_IDS: _ids, ...partial } = statuspageEnv("");
    const message = problems(partial);
    expect(message).toMatch(/^HOST_MANAGER_STATUSPAGE_METRIC_IDS: is required/);
    expect(message).not.toContain(API_KEY);
    expect(problems({ HOST_MANAGER_STATUSPAGE_API_KEY: API_KEY })).toMatch(
      /HOST_MANAGER_STATUSPAGE_PAGE_ID: is required[\s\S]*HOST_MANAGER_STATUSPAGE_METRIC_IDS: is required/,
    );
  });

  it.each([
    ["not JSON", "{hostsTotal:a}"],
    ["a figure missing", JSON.stringify({ ...METRIC_IDS, running: undefined })],
    ["an unknown figure", JSON.stringify({ ...METRIC_IDS, extra: "x" })],
    ["a non-string id", JSON.stringify({ ...METRIC_IDS, running: 5 })],
  ])("refuses metric ids with %s", (_name, ids) => {
    expect(problems({ ...statuspageEnv(""), HOST_MANAGER_STATUSPAGE_METRIC_IDS: ids })).toMatch(
      /^HOST_MANAGER_STATUSPAGE_METRIC_IDS: must be a JSON object/,
    );
  });

  it("reads an optional component id, which needs the page and refuses what is not an id", () => {
    const env = statuspageEnv("", { componentId: STATUSPAGE_COMPONENT_ID });
    expect(loadConfig({ ...base, ...env }).statuspage?.componentId).toBe(STATUSPAGE_COMPONENT_ID);
    expect(problems({ HOST_MANAGER_STATUSPAGE_COMPONENT_ID: STATUSPAGE_COMPONENT_ID })).toMatch(
      /^HOST_MANAGER_STATUSPAGE_COMPONENT_ID: needs HOST_MANAGER_STATUSPAGE_PAGE_ID/m,
    );
    expect(
      problems({ ...statuspageEnv(""), HOST_MANAGER_STATUSPAGE_COMPONENT_ID: "not/an id" }),
    ).toMatch(/^HOST_MANAGER_STATUSPAGE_COMPONENT_ID: must be a Statuspage component id/);
  });

  it("refuses a URL that is not an http(s) origin", () => {
    expect(problems(statuspageEnv("ftp://example.com/x"))).toMatch(
      /^HOST_MANAGER_STATUSPAGE_URL: /,
    );
  });
});

describe("HOST_MANAGER_TOKEN_PREVIOUS", () => {
  it("is optional, and read when set", () => {
    expect(loadConfig(base).tokenPrevious).toBeUndefined();
    expect(loadConfig({ ...base, HOST_MANAGER_TOKEN_PREVIOUS: PREVIOUS }).tokenPrevious).toBe(
      PREVIOUS,
    );
  });

  it("must be at least 32 characters and differ from the token, and is never echoed", () => {
    const short = problemsOf({ ...base, HOST_MANAGER_TOKEN_PREVIOUS: "old-short-secret" });
    expect(short).toEqual(["HOST_MANAGER_TOKEN_PREVIOUS: must be at least 32 characters"]);
    expect(short.join()).not.toContain("old-short-secret");
    const same = problemsOf({ ...base, HOST_MANAGER_TOKEN_PREVIOUS: TOKEN });
    expect(same).toEqual(["HOST_MANAGER_TOKEN_PREVIOUS: must differ from HOST_MANAGER_TOKEN"]);
    expect(same.join()).not.toContain(TOKEN);
  });
});

describe("loadConfig: host identity and TLS (issue 15)", () => {
  const CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n";
  const KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n";

  it("serves plain HTTP and refuses the fleet token for reports by default", () => {
    const config = loadConfig(base);
    expect(config.tls).toBeUndefined();
    expect(config.fleetTokenFallback).toBe(false);
    expect(config.identity).toEqual({});
  });

  it("takes the certificate with its key, and names the one missing", () => {
    expect(
      loadConfig({ ...base, HOST_MANAGER_TLS_CERT_PEM: CERT, HOST_MANAGER_TLS_KEY_PEM: KEY }).tls,
    ).toEqual({ certPem: CERT, keyPem: KEY });
    expect(problemsOf({ ...base, HOST_MANAGER_TLS_CERT_PEM: CERT })).toEqual([
      "HOST_MANAGER_TLS_KEY_PEM: is required when HOST_MANAGER_TLS_CERT_PEM is set",
    ]);
  });

  it("refuses what is not PEM, without echoing the key", () => {
    const problems = problemsOf({
      ...base,
      HOST_MANAGER_TLS_CERT_PEM: "not a certificate",
      HOST_MANAGER_TLS_KEY_PEM: "secret-key-material",
      HOST_MANAGER_IDENTITY_SIGNING_CERT_PEM: KEY,
    });
    expect(problems).toEqual([
      "HOST_MANAGER_TLS_CERT_PEM: must be a PEM certificate (BEGIN CERTIFICATE)",
      "HOST_MANAGER_TLS_KEY_PEM: must be a PEM private key",
      "HOST_MANAGER_IDENTITY_SIGNING_CERT_PEM: must be a PEM certificate (BEGIN CERTIFICATE)",
    ]);
    expect(problems.join()).not.toContain("secret-key-material");
  });

  it("needs the account id on Alibaba Cloud, and takes only digits", () => {
    const alicloud = {
      ...base,
      HOST_MANAGER_CLOUD: "alicloud",
      HOST_MANAGER_REGION: "cn-beijing",
      HOST_MANAGER_SCALING_GROUP_ID: "asg-1",
    };
    expect(problemsOf(alicloud)).toEqual([
      "HOST_MANAGER_ACCOUNT_ID: is required when cloud is alicloud",
    ]);
    expect(problemsOf({ ...alicloud, HOST_MANAGER_ACCOUNT_ID: "acct-1" })).toEqual([
      "HOST_MANAGER_ACCOUNT_ID: must be an Alibaba Cloud account id (digits)",
    ]);
    expect(
      loadConfig({ ...alicloud, HOST_MANAGER_ACCOUNT_ID: "1335926999564873" }).identity,
    ).toEqual({ accountId: "1335926999564873", region: "cn-beijing" });
  });
});
