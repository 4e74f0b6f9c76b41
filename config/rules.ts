// Rules that span several config keys and no single component's args (those are the
// components' own rules, which the parser runs too: components/config-keys.ts). Each runs
// only when the keys it reads parsed, so one typo does not hide the other problems.
import { Cron } from "croner";
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

const imageHasASource: Rule = ({ image, network, fleet }, report) => {
  if (!image || image.existingImageId) return;
  if (!image.sourceImage) {
    report(
      ["image", "sourceImage"],
      "is required to build the image (or set image.existingImageId)",
    );
  }
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

const fleetSizesAreOrdered: Rule = ({ fleet }, report) => {
  const count = fleet?.instanceCount;
  if (!fleet || count === undefined) return;
  const minSize = fleet.minSize ?? count;
  const maxSize = fleet.maxSize ?? count;
  if (minSize > count) {
    report(["fleet", "minSize"], `must not exceed fleet.instanceCount (${minSize} > ${count})`);
  }
  if (maxSize < count) {
    report(["fleet", "maxSize"], `must not be below fleet.instanceCount (${maxSize} < ${count})`);
  }
  if (fleet.spot && fleet.spot.onDemandBaseCapacity > maxSize) {
    report(
      ["fleet", "spot", "onDemandBaseCapacity"],
      `must not exceed the group's maximum size (${maxSize})`,
    );
  }
};

const spotPricesCoverTypes: Rule = ({ fleet }, report) => {
  const instanceTypes = fleet?.instanceTypes;
  if (!fleet?.spot || !instanceTypes) return;
  const { strategy, priceLimits } = fleet.spot;
  const priced = new Set(priceLimits.map((limit) => limit.instanceType));
  if (strategy === "SpotWithPriceLimit") {
    const unpriced = instanceTypes.filter((type) => !priced.has(type));
    if (unpriced.length > 0) {
      report(["fleet", "spot", "priceLimits"], `has no price for ${unpriced.join(", ")}`);
    }
  }
  priceLimits.forEach((limit, index) => {
    if (!instanceTypes.includes(limit.instanceType)) {
      report(
        ["fleet", "spot", "priceLimits", index, "instanceType"],
        `${limit.instanceType} is not in fleet.instanceTypes`,
      );
    }
  });
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

const hostManagerSettings: Rule = (config, report) => {
  const { hostManager } = config;
  if (!hostManager) return;
  if (hostManager.storage === "nas" && !hostManager.nasServer) {
    report(["hostManager", "nasServer"], 'is required when hostManager.storage is "nas"');
  }
  if (hostManager.statuspage && !config.statuspageApiKey) {
    report(
      ["statuspageApiKey"],
      "is required when hostManager.statuspage is set (pulumi config set --secret)",
    );
  }
  if (!hostManager.statuspage && config.statuspageApiKey) {
    report(["hostManager", "statuspage"], "is required when statuspageApiKey is set");
  }
  if (Boolean(hostManager.registryUsername) !== Boolean(config.hostManagerRegistryPassword)) {
    report(
      hostManager.registryUsername
        ? ["hostManagerRegistryPassword"]
        : ["hostManager", "registryUsername"],
      "hostManager.registryUsername and hostManagerRegistryPassword go together",
    );
  }
};

const tagsAreTheOperators: Rule = ({ tags }, report) => {
  for (const key of Object.keys(tags ?? {})) {
    if (RESERVED_TAG_KEYS.includes(key))
      report(["tags", key], "is set by hpc-fleet on every resource");
  }
};

/** What the host config may spend of the 16 KB user-data (see components/instance-group/user-data.ts). */
export const CLIENT_ARGUMENTS_BUDGET = 12000;

const clientArgumentsFitUserData: Rule = ({ fleet }, report) => {
  if (!fleet?.clientArguments) return;
  const length = JSON.stringify(fleet.clientArguments).length;
  if (length > CLIENT_ARGUMENTS_BUDGET) {
    report(
      ["fleet", "clientArguments"],
      `must total at most ${CLIENT_ARGUMENTS_BUDGET} characters as JSON, to fit ECS's 16 KB user-data (got ${length})`,
    );
  }
};

const RULES: readonly Rule[] = [
  clientArgumentsFitUserData,
  tagsAreTheOperators,
  zonesBelongToRegion,
  imageHasASource,
  fleetSizesAreOrdered,
  spotPricesCoverTypes,
  healthCheckTimings,
  hostManagerSettings,
];

export function crossFieldProblems(config: ParsedSections): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const rule of RULES) {
    rule(config, (path, reason) => problems.push({ key: configKey(path), reason }));
  }
  return problems;
}
