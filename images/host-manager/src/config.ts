// Reads and validates the service's configuration from environment variables.
// Every variable is documented in ../README.md; an invalid one stops the start
// with a message that names it.
import { Cron } from "croner";
import { z } from "zod";

export type CloudKind = "alicloud" | "simulated";
export type ReplaceMode = "set-unhealthy" | "remove";

/** A cap on unhealthy hosts: an absolute count, or a share of the fleet (rounded down). */
export type MaxUnhealthy = { kind: "count"; value: number } | { kind: "percent"; value: number };

/** Statuspage metric ids, one per figure the health check pushes. */
export interface StatuspageMetricIds {
  readonly hostsTotal: string;
  readonly running: string;
  readonly unhealthy: string;
  readonly remediating: string;
  readonly remediations: string;
}

export interface StatuspageConfig {
  readonly pageId: string;
  readonly apiKey: string;
  readonly metricIds: StatuspageMetricIds;
  /** API base URL, without the /v1 path. */
  readonly url: string;
}

export interface Config {
  readonly port: number;
  readonly dataDir: string;
  readonly token: string;
  /** The token being rotated out: still accepted until it is unset. */
  readonly tokenPrevious?: string;
  readonly cloud: CloudKind;
  readonly simHosts: number;
  /** Generation the simulated group's first hosts carry; defaults to fleetGeneration. */
  readonly simGeneration?: string;
  readonly region?: string;
  readonly scalingGroupId?: string;
  readonly schedule: string;
  readonly startupTimeoutMinutes: number;
  readonly heartbeatTimeoutMinutes: number;
  readonly rebootCooldownMinutes: number;
  readonly maxRemediationAttempts: number;
  readonly maxUnhealthy: MaxUnhealthy;
  readonly replaceMode: ReplaceMode;
  readonly dryRun: boolean;
  /** Digest of what the hosts should be built from; unset: no rolling replacement. */
  readonly fleetGeneration?: string;
  /** Share of the fleet (whole percent) that must stay healthy while a rollout replaces hosts. */
  readonly minHealthyPercentage: number;
  readonly logLevel: string;
  /** Set the status page's session cookie with `Secure` (HTTPS or localhost only). */
  readonly cookieSecure: boolean;
  /** Push figures to Statuspage after each cycle; undefined when not configured. */
  readonly statuspage?: StatuspageConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** Parses `5` or `40%`; returns undefined for anything else. */
export function parseMaxUnhealthy(raw: string): MaxUnhealthy | undefined {
  const match = /^\s*(\d+)\s*(%?)\s*$/.exec(raw);
  if (!match) return undefined;
  const value = Number(match[1]);
  if (match[2] === "%") return value <= 100 ? { kind: "percent", value } : undefined;
  return { kind: "count", value };
}

function isSixFieldCron(pattern: string): boolean {
  if (pattern.trim().split(/\s+/).length !== 6) return false;
  try {
    new Cron(pattern.trim(), { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

const METRIC_KEYS = ["hostsTotal", "running", "unhealthy", "remediating", "remediations"] as const;

/** Parses the metric-id map; undefined unless every figure has an id (extra keys are refused). */
export function parseMetricIds(raw: string): StatuspageMetricIds | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  const valid =
    entries.length === METRIC_KEYS.length &&
    METRIC_KEYS.every((key) => {
      const id = (value as Record<string, unknown>)[key];
      return typeof id === "string" && /^[A-Za-z0-9]+$/.test(id);
    });
  return valid ? (value as StatuspageMetricIds) : undefined;
}

const STATUSPAGE_VARS = [
  "HOST_MANAGER_STATUSPAGE_PAGE_ID",
  "HOST_MANAGER_STATUSPAGE_API_KEY",
  "HOST_MANAGER_STATUSPAGE_METRIC_IDS",
] as const;

const intVar = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((s) => /^\d+$/.test(s.trim()), "must be a whole number")
    .transform((s) => Number(s.trim()))
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const tokenVar = () =>
  z
    .string({ error: "is required" })
    .min(32, "must be at least 32 characters")
    .refine((s) => s.trim() === s, "must not start or end with whitespace");

/** A fleet generation: the first 16 hex digits of a digest, as the Pulumi program tags hosts. */
export const GENERATION_PATTERN = /^[0-9a-f]{16}$/;
const generationVar = () =>
  z.string().regex(GENERATION_PATTERN, "must be 16 lowercase hex digits").optional();

const envSchema = z.object({
  HOST_MANAGER_PORT: intVar(8080, 0, 65535),
  HOST_MANAGER_DATA_DIR: z.string({ error: "is required" }).min(1, "is required"),
  HOST_MANAGER_TOKEN: tokenVar(),
  HOST_MANAGER_TOKEN_PREVIOUS: tokenVar().optional(),
  HOST_MANAGER_CLOUD: z.enum(["alicloud", "simulated"]).default("simulated"),
  HOST_MANAGER_SIM_HOSTS: intVar(10, 0, 100_000),
  HOST_MANAGER_SIM_GENERATION: generationVar(),
  HOST_MANAGER_REGION: z.string().min(1).optional(),
  HOST_MANAGER_SCALING_GROUP_ID: z.string().min(1).optional(),
  HOST_MANAGER_SCHEDULE: z
    .string()
    .default("0 */5 * * * *")
    .refine((s) => isSixFieldCron(s), "must be a valid 6-field cron expression (with seconds)"),
  HOST_MANAGER_STARTUP_TIMEOUT_MINUTES: intVar(20, 1, 24 * 60),
  HOST_MANAGER_HEARTBEAT_TIMEOUT_MINUTES: intVar(10, 1, 24 * 60),
  HOST_MANAGER_REBOOT_COOLDOWN_MINUTES: intVar(15, 1, 24 * 60),
  HOST_MANAGER_MAX_REMEDIATION_ATTEMPTS: intVar(3, 1, 100),
  HOST_MANAGER_MAX_UNHEALTHY: z
    .string()
    .default("40%")
    .refine(
      (s) => parseMaxUnhealthy(s) !== undefined,
      "must be a count like 5 or a share like 40%",
    ),
  HOST_MANAGER_REPLACE_MODE: z.enum(["set-unhealthy", "remove"]).default("set-unhealthy"),
  HOST_MANAGER_DRY_RUN: z.enum(["true", "false"]).default("false"),
  HOST_MANAGER_FLEET_GENERATION: generationVar(),
  HOST_MANAGER_MIN_HEALTHY_PERCENTAGE: intVar(80, 0, 100),
  HOST_MANAGER_COOKIE_SECURE: z.enum(["true", "false"]).default("true"),
  HOST_MANAGER_STATUSPAGE_PAGE_ID: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, "must be a Statuspage page id")
    .optional(),
  HOST_MANAGER_STATUSPAGE_API_KEY: z
    .string()
    .refine((s) => /^[\x21-\x7e]+$/.test(s), "must be printable ASCII without spaces")
    .optional(),
  HOST_MANAGER_STATUSPAGE_METRIC_IDS: z
    .string()
    .refine((s) => parseMetricIds(s) !== undefined, {
      message: `must be a JSON object with string ids for ${METRIC_KEYS.join(", ")}`,
    })
    .optional(),
  HOST_MANAGER_STATUSPAGE_URL: z
    .string()
    .default("https://api.statuspage.io")
    .refine(
      (s) => /^https?:\/\/[^\s/]+\/?$/.test(s),
      "must be an http(s) origin like https://host",
    ),
  HOST_MANAGER_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
});

/** Validates `env` and returns the typed configuration, or throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as a shell `VAR=` usually means "use the default".
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith("HOST_MANAGER_") && value !== ""),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    // Never echo values: HOST_MANAGER_TOKEN is a secret.
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (
    e.HOST_MANAGER_TOKEN_PREVIOUS !== undefined &&
    e.HOST_MANAGER_TOKEN_PREVIOUS === e.HOST_MANAGER_TOKEN
  ) {
    problems.push("HOST_MANAGER_TOKEN_PREVIOUS: must differ from HOST_MANAGER_TOKEN");
  }
  if (e.HOST_MANAGER_CLOUD === "alicloud") {
    if (!e.HOST_MANAGER_REGION)
      problems.push("HOST_MANAGER_REGION: is required when cloud is alicloud");
    if (!e.HOST_MANAGER_SCALING_GROUP_ID)
      problems.push("HOST_MANAGER_SCALING_GROUP_ID: is required when cloud is alicloud");
  }
  // All three or none: a half-configured push would fail at every cycle, far from the cause.
  const statuspageSet = STATUSPAGE_VARS.filter((name) => e[name] !== undefined);
  if (statuspageSet.length > 0 && statuspageSet.length < STATUSPAGE_VARS.length) {
    for (const name of STATUSPAGE_VARS.filter((n) => e[n] === undefined)) {
      problems.push(`${name}: is required when ${statuspageSet.join(" and ")} is set`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const statuspage =
    statuspageSet.length === STATUSPAGE_VARS.length
      ? {
          pageId: e.HOST_MANAGER_STATUSPAGE_PAGE_ID as string,
          apiKey: e.HOST_MANAGER_STATUSPAGE_API_KEY as string,
          metricIds: parseMetricIds(
            e.HOST_MANAGER_STATUSPAGE_METRIC_IDS as string,
          ) as StatuspageMetricIds,
          url: e.HOST_MANAGER_STATUSPAGE_URL.replace(/\/$/, ""),
        }
      : undefined;
  return {
    port: e.HOST_MANAGER_PORT,
    dataDir: e.HOST_MANAGER_DATA_DIR,
    token: e.HOST_MANAGER_TOKEN,
    ...(e.HOST_MANAGER_TOKEN_PREVIOUS !== undefined
      ? { tokenPrevious: e.HOST_MANAGER_TOKEN_PREVIOUS }
      : {}),
    cloud: e.HOST_MANAGER_CLOUD,
    simHosts: e.HOST_MANAGER_SIM_HOSTS,
    ...(e.HOST_MANAGER_SIM_GENERATION !== undefined
      ? { simGeneration: e.HOST_MANAGER_SIM_GENERATION }
      : {}),
    region: e.HOST_MANAGER_REGION,
    scalingGroupId: e.HOST_MANAGER_SCALING_GROUP_ID,
    schedule: e.HOST_MANAGER_SCHEDULE.trim(),
    startupTimeoutMinutes: e.HOST_MANAGER_STARTUP_TIMEOUT_MINUTES,
    heartbeatTimeoutMinutes: e.HOST_MANAGER_HEARTBEAT_TIMEOUT_MINUTES,
    rebootCooldownMinutes: e.HOST_MANAGER_REBOOT_COOLDOWN_MINUTES,
    maxRemediationAttempts: e.HOST_MANAGER_MAX_REMEDIATION_ATTEMPTS,
    maxUnhealthy: parseMaxUnhealthy(e.HOST_MANAGER_MAX_UNHEALTHY) as MaxUnhealthy,
    replaceMode: e.HOST_MANAGER_REPLACE_MODE,
    dryRun: e.HOST_MANAGER_DRY_RUN === "true",
    ...(e.HOST_MANAGER_FLEET_GENERATION !== undefined
      ? { fleetGeneration: e.HOST_MANAGER_FLEET_GENERATION }
      : {}),
    minHealthyPercentage: e.HOST_MANAGER_MIN_HEALTHY_PERCENTAGE,
    logLevel: e.HOST_MANAGER_LOG_LEVEL,
    cookieSecure: e.HOST_MANAGER_COOKIE_SECURE === "true",
    ...(statuspage ? { statuspage } : {}),
  };
}
