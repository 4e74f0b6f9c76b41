// The host-manager container's environment: its settings from the stack config,
// the fleet token and Statuspage key as secrets, and never a cloud access key
// (the container gets credentials from its RAM role).
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";

export const DATA_DIR = "/data";

export interface EnvironmentVar {
  readonly key: string;
  readonly value: pulumi.Input<string>;
}

export interface ContainerEnvInputs {
  readonly config: Pick<
    StackConfig,
    "region" | "fleet" | "hostManager" | "healthCheck" | "secrets"
  >;
  readonly scalingGroupId: pulumi.Input<string>;
  readonly fleetToken: pulumi.Input<string>;
  readonly previousFleetToken?: pulumi.Input<string>;
  readonly roleName: pulumi.Input<string>;
  /** The hosts' current generation (the InstanceGroup's `generation`). */
  readonly generation: pulumi.Input<string>;
}

export function containerEnvironment(inputs: ContainerEnvInputs): EnvironmentVar[] {
  const { hostManager, healthCheck, region, secrets } = inputs.config;
  const env: EnvironmentVar[] = [
    { key: "HOST_MANAGER_PORT", value: String(hostManager.port) },
    { key: "HOST_MANAGER_DATA_DIR", value: DATA_DIR },
    { key: "HOST_MANAGER_TOKEN", value: pulumi.secret(inputs.fleetToken) },
    ...(inputs.previousFleetToken === undefined
      ? []
      : [{ key: "HOST_MANAGER_TOKEN_PREVIOUS", value: pulumi.secret(inputs.previousFleetToken) }]),
    { key: "HOST_MANAGER_CLOUD", value: "alicloud" },
    { key: "HOST_MANAGER_REGION", value: region },
    { key: "HOST_MANAGER_SCALING_GROUP_ID", value: inputs.scalingGroupId },
    { key: "HOST_MANAGER_SCHEDULE", value: healthCheck.schedule },
    {
      key: "HOST_MANAGER_STARTUP_TIMEOUT_MINUTES",
      value: String(healthCheck.startupTimeoutMinutes),
    },
    {
      key: "HOST_MANAGER_HEARTBEAT_TIMEOUT_MINUTES",
      value: String(healthCheck.heartbeatTimeoutMinutes),
    },
    {
      key: "HOST_MANAGER_REBOOT_COOLDOWN_MINUTES",
      value: String(healthCheck.rebootCooldownMinutes),
    },
    {
      key: "HOST_MANAGER_MAX_REMEDIATION_ATTEMPTS",
      value: String(healthCheck.maxRemediationAttempts),
    },
    { key: "HOST_MANAGER_MAX_UNHEALTHY", value: healthCheck.maxUnhealthy },
    { key: "HOST_MANAGER_REPLACE_MODE", value: hostManager.replaceMode },
    { key: "HOST_MANAGER_DRY_RUN", value: String(hostManager.dryRun) },
    // Hosts tagged with another generation are replaced, keeping this share running.
    { key: "HOST_MANAGER_FLEET_GENERATION", value: inputs.generation },
    {
      key: "HOST_MANAGER_MIN_HEALTHY_PERCENTAGE",
      value: String(inputs.config.fleet.minHealthyPercentage),
    },
    // The service speaks plain HTTP inside the VPC (no TLS to terminate there), and browsers
    // drop Secure cookies over HTTP: the status page's sign-in must not depend on them.
    { key: "HOST_MANAGER_COOKIE_SECURE", value: "false" },
    // @alicloud/credentials reads the RAM role's STS credentials from the metadata service.
    { key: "ALIBABA_CLOUD_ECS_METADATA", value: inputs.roleName },
  ];
  if (hostManager.statuspage && secrets.statuspageApiKey) {
    env.push(
      { key: "HOST_MANAGER_STATUSPAGE_PAGE_ID", value: hostManager.statuspage.pageId },
      {
        key: "HOST_MANAGER_STATUSPAGE_METRIC_IDS",
        value: JSON.stringify(hostManager.statuspage.metricIds),
      },
      { key: "HOST_MANAGER_STATUSPAGE_API_KEY", value: secrets.statuspageApiKey },
    );
  }
  return env;
}
