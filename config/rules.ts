// Rules that span several config keys and no single component's args (those are the
// components' own rules, which the parser runs too: components/config-keys.ts). Each runs
// only when the keys it reads parsed, so one typo does not hide the other problems.
import { GENERATION_TAG } from "@hpc-fleet/fleet-contract";
import { Cron } from "croner";
import { endpointEnabled } from "../components/operator-access/args";
import { ConfigProblem, configKey } from "./errors";
import { RESERVED_TAG_KEYS, type ParsedStackConfig } from "./schema";

/**
 * The sections as far as they parsed: a section whose own fields had problems
 * keeps only its valid fields, so every rule reads its inputs as optional.
 */
export type ParsedSections = {
  [K in keyof ParsedStackConfig]?: ParsedStackConfig[K] extends object
    ? Partial<ParsedStackConfig[K]>
    : ParsedStackConfig[K];
};

type Rule = (config: ParsedSections, report: (path: PropertyKey[], reason: string) => void) => void;

/** Shortest gap between runs of a 6-field cron schedule, in seconds; throws if invalid. */
export function scheduleIntervalSeconds(schedule: string): number {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`must have 6 fields, seconds first, such as "0 */5 * * * *"`);
  }
  const runs = new Cron(schedule, { paused: true, mode: "6-part" }).nextRuns(
    25,
    new Date(Date.UTC(2030, 0, 1)),
  );
  if (runs.length < 2) throw new Error("must fire repeatedly");
  let shortest = Infinity;
  for (let index = 1; index < runs.length; index++) {
    shortest = Math.min(shortest, (runs[index].getTime() - runs[index - 1].getTime()) / 1000);
  }
  return shortest;
}

const zonesBelongToRegion: Rule = ({ region, network }, report) => {
  if (!region || !network?.zones) return;
  const seen = new Set<string>();
  network.zones.forEach((zone, index) => {
    if (!new RegExp(`^${region}-?[a-z]$`).test(zone)) {
      report(["network", "zones", index], `zone ${zone} is not in region ${region}`);
    }
    if (seen.has(zone)) report(["network", "zones", index], `zone ${zone} is listed twice`);
    seen.add(zone);
  });
};

/** A build the fleet runs reaches the Packer host and installs the client it starts. */
const builtImageServesTheFleet: Rule = ({ image, network, fleet }, report) => {
  if (!image || image.existingImageId) return;
  if (network?.builderCidrs?.length === 0) {
    report(
      ["network", "builderCidrs"],
      "must list the Packer host's CIDR when the image is built here",
    );
  }
  const { clientFiles } = image;
  if (
    fleet?.clientExecutable &&
    clientFiles &&
    !clientFiles.some((file) => file.destination === fleet.clientExecutable)
  ) {
    report(["fleet", "clientExecutable"], "must be the destination of one of image.clientFiles");
  }
};

const healthCheckTimings: Rule = ({ healthCheck, fleet }, report) => {
  if (healthCheck?.schedule === undefined) return;
  const { startupTimeoutMinutes, heartbeatTimeoutMinutes } = healthCheck;
  let intervalSeconds: number;
  try {
    intervalSeconds = scheduleIntervalSeconds(healthCheck.schedule);
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, "");
    report(["healthCheck", "schedule"], `${reason} (got ${JSON.stringify(healthCheck.schedule)})`);
    return;
  }
  const checkEvery = `the check interval (${intervalSeconds / 60} min)`;
  if (startupTimeoutMinutes !== undefined && startupTimeoutMinutes * 60 <= intervalSeconds) {
    report(["healthCheck", "startupTimeoutMinutes"], `must be longer than ${checkEvery}`);
  }
  if (heartbeatTimeoutMinutes === undefined) return;
  if (heartbeatTimeoutMinutes * 60 <= intervalSeconds) {
    report(["healthCheck", "heartbeatTimeoutMinutes"], `must be longer than ${checkEvery}`);
  }
  if (fleet?.heartbeatSeconds && heartbeatTimeoutMinutes * 60 < 2 * fleet.heartbeatSeconds) {
    report(
      ["fleet", "heartbeatSeconds"],
      "must be at most half of healthCheck.heartbeatTimeoutMinutes",
    );
  }
};

const tagsAreTheOperators: Rule = ({ tags }, report) => {
  for (const key of Object.keys(tags ?? {})) {
    if (RESERVED_TAG_KEYS.includes(key))
      report(["tags", key], "is set by hpc-fleet on every resource");
  }
};

/**
 * The operator endpoint's load balancer reaches the host-manager from its vSwitches' CIDRs,
 * which the security group admits by block: for existing vSwitches those blocks must be
 * the real ones, not the split of vpcCidr this config would plan for new vSwitches.
 */
const existingVSwitchesNameTheirBlocks: Rule = ({ network, operatorAccess }, report) => {
  if (!network?.existingVSwitchIds || !operatorAccess || !endpointEnabled(operatorAccess)) return;
  if (network.vSwitchCidrs === undefined) {
    report(
      ["network", "vSwitchCidrs"],
      "must list the existing vSwitches' CIDR blocks when the operator endpoint is on: the host-manager admits its load balancer by them",
    );
  }
};

/**
 * Tags ECS takes on an instance (RunInstances Tag.N, N from 1 to 20: @alicloud/ecs20140526
 * RunInstancesRequest.d.ts:1123); ESS scaling groups and ECI container groups take as many.
 */
export const MAX_TAGS_PER_RESOURCE = 20;

/** Every host carries the operator's tags, the fleet's own and its generation tag. */
const tagsFitOnEveryHost: Rule = ({ tags }, report) => {
  if (!tags) return;
  const fleetKeys = [...RESERVED_TAG_KEYS, GENERATION_TAG];
  const onHost = new Set([...Object.keys(tags), ...fleetKeys]).size;
  if (onHost > MAX_TAGS_PER_RESOURCE) {
    report(
      ["tags"],
      `must list at most ${MAX_TAGS_PER_RESOURCE - fleetKeys.length} tags: every host also ` +
        `carries ${fleetKeys.join(", ")}, and ECS takes ${MAX_TAGS_PER_RESOURCE} (got ${onHost})`,
    );
  }
};

const RULES: readonly Rule[] = [
  tagsAreTheOperators,
  tagsFitOnEveryHost,
  zonesBelongToRegion,
  builtImageServesTheFleet,
  healthCheckTimings,
  existingVSwitchesNameTheirBlocks,
];

export function crossFieldProblems(config: ParsedSections): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const rule of RULES) {
    rule(config, (path, reason) => problems.push({ key: configKey(path), reason }));
  }
  return problems;
}
