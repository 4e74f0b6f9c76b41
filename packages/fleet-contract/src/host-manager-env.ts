// The host-manager's environment: every variable's name, format and default, written
// once. The Pulumi program renders the container's environment with
// hostManagerEnvironment(); the service reads its own with parseHostManagerEnv().
import { z } from "zod";
import { isSixFieldCron } from "./cron";
import { freezeWindowsSchema, type FreezeWindow } from "./freeze-windows";
import { GENERATION_PATTERN } from "./generation";

export type CloudKind = "alicloud" | "simulated";
export type ReplaceMode = "set-unhealthy" | "remove";
export const REPLACE_MODES: readonly ReplaceMode[] = ["set-unhealthy", "remove"];
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
export const STATUSPAGE_METRIC_KEYS = [
  "hostsTotal",
  "running",
  "unhealthy",
  "remediating",
  "remediations",
] as const satisfies readonly (keyof StatuspageMetricIds)[];

/** The variables' names. */
export const HOST_MANAGER_ENV = {
  port: "HOST_MANAGER_PORT",
  dataDir: "HOST_MANAGER_DATA_DIR",
  dataOnNetworkFs: "HOST_MANAGER_DATA_ON_NETWORK_FS",
  token: "HOST_MANAGER_TOKEN",
  tokenPrevious: "HOST_MANAGER_TOKEN_PREVIOUS",
  seedOperatorName: "HOST_MANAGER_SEED_OPERATOR_NAME",
  seedOperatorToken: "HOST_MANAGER_SEED_OPERATOR_TOKEN",
  cloud: "HOST_MANAGER_CLOUD",
  simHosts: "HOST_MANAGER_SIM_HOSTS",
  simGeneration: "HOST_MANAGER_SIM_GENERATION",
  region: "HOST_MANAGER_REGION",
  scalingGroupId: "HOST_MANAGER_SCALING_GROUP_ID",
  ecsEndpoint: "HOST_MANAGER_ECS_ENDPOINT",
  essEndpoint: "HOST_MANAGER_ESS_ENDPOINT",
  schedule: "HOST_MANAGER_SCHEDULE",
  startupTimeoutMinutes: "HOST_MANAGER_STARTUP_TIMEOUT_MINUTES",
  heartbeatTimeoutMinutes: "HOST_MANAGER_HEARTBEAT_TIMEOUT_MINUTES",
  rebootCooldownMinutes: "HOST_MANAGER_REBOOT_COOLDOWN_MINUTES",
  maxRemediationAttempts: "HOST_MANAGER_MAX_REMEDIATION_ATTEMPTS",
  maxUnhealthy: "HOST_MANAGER_MAX_UNHEALTHY",
  replaceMode: "HOST_MANAGER_REPLACE_MODE",
  dryRun: "HOST_MANAGER_DRY_RUN",
  fleetGeneration: "HOST_MANAGER_FLEET_GENERATION",
  minHealthyPercentage: "HOST_MANAGER_MIN_HEALTHY_PERCENTAGE",
  cookieSecure: "HOST_MANAGER_COOKIE_SECURE",
  statuspagePageId: "HOST_MANAGER_STATUSPAGE_PAGE_ID",
  statuspageApiKey: "HOST_MANAGER_STATUSPAGE_API_KEY",
  statuspageMetricIds: "HOST_MANAGER_STATUSPAGE_METRIC_IDS",
  statuspageUrl: "HOST_MANAGER_STATUSPAGE_URL",
  logLevel: "HOST_MANAGER_LOG_LEVEL",
  leaseTtlSeconds: "HOST_MANAGER_LEASE_TTL_SECONDS",
  cycleDeadlineSeconds: "HOST_MANAGER_CYCLE_DEADLINE_SECONDS",
  inventoryDeadlineSeconds: "HOST_MANAGER_INVENTORY_DEADLINE_SECONDS",
  freezeWindows: "HOST_MANAGER_FREEZE_WINDOWS",
  // Host identity and TLS (issue 15).
  tlsCertPem: "HOST_MANAGER_TLS_CERT_PEM",
  tlsKeyPem: "HOST_MANAGER_TLS_KEY_PEM",
  identitySigningCertPem: "HOST_MANAGER_IDENTITY_SIGNING_CERT_PEM",
  accountId: "HOST_MANAGER_ACCOUNT_ID",
  fleetTokenFallback: "HOST_MANAGER_FLEET_TOKEN_FALLBACK",
} as const;

/**
 * The RAM role @alicloud/credentials reads STS credentials for from the metadata
 * service: the SDK's variable, not the service's, so parseHostManagerEnv ignores it.
 */
export const ECS_RAM_ROLE_ENV = "ALIBABA_CLOUD_ECS_METADATA";

/** Where the container keeps its SQLite database. */
export const HOST_MANAGER_DATA_DIR = "/data";

/** What an unset variable means. */
export const HOST_MANAGER_DEFAULTS = {
  port: 8080,
  dataOnNetworkFs: false,
  cloud: "simulated" as CloudKind,
  simHosts: 10,
  schedule: "0 */5 * * * *",
  startupTimeoutMinutes: 20,
  heartbeatTimeoutMinutes: 10,
  rebootCooldownMinutes: 15,
  maxRemediationAttempts: 3,
  maxUnhealthy: "40%",
  replaceMode: "set-unhealthy" as ReplaceMode,
  dryRun: false,
  minHealthyPercentage: 80,
  cookieSecure: true,
  statuspageUrl: "https://api.statuspage.io",
  logLevel: "info" as LogLevel,
  leaseTtlSeconds: 30,
  cycleDeadlineSeconds: 240,
  inventoryDeadlineSeconds: 60,
  fleetTokenFallback: false,
} as const;

/** The shortest token either side accepts. */
export const MIN_TOKEN_LENGTH = 32;

/** Parses `5` or `40%`; returns undefined for anything else. */
export function parseMaxUnhealthy(raw: string): MaxUnhealthy | undefined {
  const match = /^\s*(\d+)\s*(%?)\s*$/.exec(raw);
  if (!match) return undefined;
  const value = Number(match[1]);
  if (match[2] === "%") return value <= 100 ? { kind: "percent", value } : undefined;
  return { kind: "count", value };
}

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
    entries.length === STATUSPAGE_METRIC_KEYS.length &&
    STATUSPAGE_METRIC_KEYS.every((key) => {
      const id = (value as Record<string, unknown>)[key];
      return typeof id === "string" && /^[A-Za-z0-9]+$/.test(id);
    });
  return valid ? (value as StatuspageMetricIds) : undefined;
}

const intVar = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .refine((s) => /^\d+$/.test(s.trim()), "must be a whole number")
    .transform((s) => Number(s.trim()))
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const booleanVar = (fallback: boolean) =>
  z
    .enum(["true", "false"])
    .default(String(fallback) as "true" | "false")
    .transform((s) => s === "true");

const tokenVar = () =>
  z
    .string({ error: "is required" })
    .min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters`)
    .refine((s) => s.trim() === s, "must not start or end with whitespace");

/** A host name with an optional port, as the Alibaba Cloud SDKs take an endpoint. */
const endpointVar = () =>
  z
    .string()
    .regex(
      /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$/,
      "must be a host name like ecs-vpc.cn-hangzhou.aliyuncs.com",
    )
    .optional();

const generationVar = () =>
  z.string().regex(GENERATION_PATTERN, "must be 16 lowercase hex digits").optional();

/** One PEM block or more of `label`, nothing else around them but whitespace. */
export function isPemOf(label: RegExp, raw: string): boolean {
  const block = () =>
    new RegExp(`-----BEGIN (${label.source})-----[A-Za-z0-9+/=\\s]+?-----END \\1-----`, "g");
  const trimmed = raw.trim();
  return block().test(trimmed) && trimmed.replace(block(), "").trim() === "";
}

const certificatePemVar = () =>
  z
    .string()
    .refine((s) => isPemOf(/CERTIFICATE/, s), "must be a PEM certificate (BEGIN CERTIFICATE)")
    .optional();

const E = HOST_MANAGER_ENV;
const D = HOST_MANAGER_DEFAULTS;

/** Each variable's format, keyed by its name. Unknown HOST_MANAGER_* variables are ignored. */
export const hostManagerEnvSchema = z.object({
  [E.port]: intVar(D.port, 0, 65535),
  [E.dataDir]: z.string({ error: "is required" }).min(1, "is required"),
  [E.dataOnNetworkFs]: booleanVar(D.dataOnNetworkFs),
  [E.token]: tokenVar(),
  [E.tokenPrevious]: tokenVar().optional(),
  // The first operator (role operator), added at start if no operator has the name.
  [E.seedOperatorName]: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "must be 1-64 letters, digits, '.', '-' or '_'")
    .optional(),
  [E.seedOperatorToken]: tokenVar().optional(),
  [E.cloud]: z.enum(["alicloud", "simulated"]).default(D.cloud),
  [E.simHosts]: intVar(D.simHosts, 0, 100_000),
  [E.simGeneration]: generationVar(),
  [E.region]: z.string().min(1).optional(),
  [E.scalingGroupId]: z.string().min(1).optional(),
  // Unset: the region's VPC endpoints (the service's default, see its README).
  [E.ecsEndpoint]: endpointVar(),
  [E.essEndpoint]: endpointVar(),
  [E.schedule]: z
    .string()
    .default(D.schedule)
    .refine((s) => isSixFieldCron(s), "must be a valid 6-field cron expression (with seconds)")
    .transform((s) => s.trim()),
  [E.startupTimeoutMinutes]: intVar(D.startupTimeoutMinutes, 1, 24 * 60),
  [E.heartbeatTimeoutMinutes]: intVar(D.heartbeatTimeoutMinutes, 1, 24 * 60),
  [E.rebootCooldownMinutes]: intVar(D.rebootCooldownMinutes, 1, 24 * 60),
  [E.maxRemediationAttempts]: intVar(D.maxRemediationAttempts, 1, 100),
  [E.maxUnhealthy]: z
    .string()
    .default(D.maxUnhealthy)
    .refine((s) => parseMaxUnhealthy(s) !== undefined, "must be a count like 5 or a share like 40%")
    .transform((s) => parseMaxUnhealthy(s) as MaxUnhealthy),
  [E.replaceMode]: z.enum(["set-unhealthy", "remove"]).default(D.replaceMode),
  [E.dryRun]: booleanVar(D.dryRun),
  [E.fleetGeneration]: generationVar(),
  [E.minHealthyPercentage]: intVar(D.minHealthyPercentage, 0, 100),
  [E.cookieSecure]: booleanVar(D.cookieSecure),
  [E.statuspagePageId]: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, "must be a Statuspage page id")
    .optional(),
  [E.statuspageApiKey]: z
    .string()
    .refine((s) => /^[\x21-\x7e]+$/.test(s), "must be printable ASCII without spaces")
    .optional(),
  [E.statuspageMetricIds]: z
    .string()
    .refine((s) => parseMetricIds(s) !== undefined, {
      message: `must be a JSON object with string ids for ${STATUSPAGE_METRIC_KEYS.join(", ")}`,
    })
    .transform((s) => parseMetricIds(s) as StatuspageMetricIds)
    .optional(),
  [E.statuspageUrl]: z
    .string()
    .default(D.statuspageUrl)
    .refine((s) => /^https?:\/\/[^\s/]+\/?$/.test(s), "must be an http(s) origin like https://host")
    .transform((s) => s.replace(/\/$/, "")),
  [E.logLevel]: z.enum(LOG_LEVELS).default(D.logLevel),
  [E.leaseTtlSeconds]: intVar(D.leaseTtlSeconds, 3, 600),
  [E.cycleDeadlineSeconds]: intVar(D.cycleDeadlineSeconds, 1, 24 * 3600),
  [E.inventoryDeadlineSeconds]: intVar(D.inventoryDeadlineSeconds, 1, 3600),
  // JSON: the stack config's healthCheck.freezeWindows, checked by the same schema.
  [E.freezeWindows]: z
    .string()
    .default("[]")
    .transform((s, ctx) => {
      let value: unknown;
      try {
        value = JSON.parse(s);
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a JSON array of freeze windows" });
        return z.NEVER;
      }
      const parsed = freezeWindowsSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        ctx.addIssue({
          code: "custom",
          message: `${issue?.path.join(".") || "windows"} ${issue?.message ?? "is invalid"}`,
        });
        return z.NEVER;
      }
      return parsed.data;
    }),
  // Host identity and TLS (issue 15). The key is a secret: never echoed.
  [E.tlsCertPem]: certificatePemVar(),
  [E.tlsKeyPem]: z
    .string()
    .refine((s) => isPemOf(/(?:EC |RSA )?PRIVATE KEY/, s), "must be a PEM private key")
    .optional(),
  [E.identitySigningCertPem]: certificatePemVar(),
  [E.accountId]: z
    .string()
    .regex(/^\d{1,32}$/, "must be an Alibaba Cloud account id (digits)")
    .optional(),
  [E.fleetTokenFallback]: booleanVar(D.fleetTokenFallback),
});

export type HostManagerEnv = z.output<typeof hostManagerEnvSchema>;

const STATUSPAGE_VARS = [E.statuspagePageId, E.statuspageApiKey, E.statuspageMetricIds] as const;

export type EnvParseResult =
  { success: true; env: HostManagerEnv } | { success: false; problems: string[] };

/**
 * Validates the service's environment: each problem as `NAME: reason`, never echoing a
 * value (HOST_MANAGER_TOKEN is a secret). Empty strings count as unset, as a shell
 * `VAR=` usually means "use the default".
 */
export function parseHostManagerEnv(
  env: Readonly<Record<string, string | undefined>>,
): EnvParseResult {
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith("HOST_MANAGER_") && value !== ""),
  );
  const parsed = hostManagerEnvSchema.safeParse(present);
  if (!parsed.success) {
    return {
      success: false,
      problems: parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`),
    };
  }
  const values = parsed.data;
  const problems: string[] = [];
  if (values[E.tokenPrevious] !== undefined && values[E.tokenPrevious] === values[E.token]) {
    problems.push(`${E.tokenPrevious}: must differ from ${E.token}`);
  }
  const seedName = values[E.seedOperatorName];
  const seedToken = values[E.seedOperatorToken];
  if ((seedName === undefined) !== (seedToken === undefined)) {
    const missing = seedName === undefined ? E.seedOperatorName : E.seedOperatorToken;
    const set = seedName === undefined ? E.seedOperatorToken : E.seedOperatorName;
    problems.push(`${missing}: is required when ${set} is set`);
  }
  if (seedToken !== undefined && [values[E.token], values[E.tokenPrevious]].includes(seedToken)) {
    problems.push(`${E.seedOperatorToken}: must differ from the fleet token`);
  }
  if (values[E.cloud] === "alicloud") {
    if (!values[E.region]) problems.push(`${E.region}: is required when cloud is alicloud`);
    if (!values[E.scalingGroupId]) {
      problems.push(`${E.scalingGroupId}: is required when cloud is alicloud`);
    }
  }
  // Both or neither: a certificate without its key (or the reverse) cannot serve TLS.
  if ((values[E.tlsCertPem] === undefined) !== (values[E.tlsKeyPem] === undefined)) {
    const missing = values[E.tlsCertPem] === undefined ? E.tlsCertPem : E.tlsKeyPem;
    const set = missing === E.tlsCertPem ? E.tlsKeyPem : E.tlsCertPem;
    problems.push(`${missing}: is required when ${set} is set`);
  }
  // Registration checks the document's account. Without the signing certificate the
  // service refuses registrations (and says so at start): no copy is in the repo yet.
  if (values[E.cloud] === "alicloud" && !values[E.accountId]) {
    problems.push(`${E.accountId}: is required when cloud is alicloud`);
  }
  // All three or none: a half-configured push would fail at every cycle, far from the cause.
  const statuspageSet = STATUSPAGE_VARS.filter((name) => values[name] !== undefined);
  if (statuspageSet.length > 0 && statuspageSet.length < STATUSPAGE_VARS.length) {
    for (const name of STATUSPAGE_VARS.filter((n) => values[n] === undefined)) {
      problems.push(`${name}: is required when ${statuspageSet.join(" and ")} is set`);
    }
  }
  return problems.length > 0 ? { success: false, problems } : { success: true, env: values };
}

/**
 * What a deployment sets. `S` is how the deployer holds values it only knows later or
 * must keep secret (pulumi.Input<string> in the Pulumi program): they pass through as they
 * are, so a secret stays a secret at its own value.
 */
export interface HostManagerDeployment<S> {
  readonly port: number;
  /** The data directory is a NAS (NFS) volume: the service then keeps SQLite off WAL. */
  readonly dataOnNetworkFs: boolean;
  readonly token: S;
  readonly tokenPrevious?: S;
  /** The first operator, added at start unless its name exists (the token a secret). */
  readonly seedOperator?: { readonly name: string; readonly token: S };
  readonly region: string;
  readonly scalingGroupId: S;
  readonly schedule: string;
  readonly startupTimeoutMinutes: number;
  readonly heartbeatTimeoutMinutes: number;
  readonly rebootCooldownMinutes: number;
  readonly maxRemediationAttempts: number;
  /** A count such as `5` or a share such as `40%`. */
  readonly maxUnhealthy: string;
  readonly replaceMode: ReplaceMode;
  readonly dryRun: boolean;
  /** The hosts' current generation: hosts tagged with another one are rolled. */
  readonly fleetGeneration: S;
  readonly minHealthyPercentage: number;
  readonly cookieSecure: boolean;
  /** Planned freeze windows; none when absent or empty. */
  readonly freezeWindows?: readonly FreezeWindow[];
  /** The container's RAM role, for @alicloud/credentials. */
  readonly ramRoleName: S;
  readonly statuspage?: {
    readonly pageId: string;
    readonly metricIds: StatuspageMetricIds;
    readonly apiKey: S;
  };
  /** The service's TLS certificate and key (the key a secret); HTTP without. */
  readonly tls?: { readonly certPem: S; readonly keyPem: S };
  /** The Alibaba Cloud account whose instances may register. */
  readonly accountId?: S;
  /** The certificate Alibaba signs instance identities with (PEM). */
  readonly identitySigningCertPem?: S;
  /** Still take reports with the shared fleet token (one release, off by default). */
  readonly fleetTokenFallback?: boolean;
}

export interface EnvironmentEntry<S> {
  readonly key: string;
  readonly value: string | S;
}

/** The container environment of a deployment on Alibaba Cloud, in a stable order. */
export function hostManagerEnvironment<S>(
  deployment: HostManagerDeployment<S>,
): EnvironmentEntry<S>[] {
  const d = deployment;
  const env: EnvironmentEntry<S>[] = [
    { key: E.port, value: String(d.port) },
    { key: E.dataDir, value: HOST_MANAGER_DATA_DIR },
    { key: E.dataOnNetworkFs, value: String(d.dataOnNetworkFs) },
    { key: E.token, value: d.token },
    ...(d.tokenPrevious === undefined ? [] : [{ key: E.tokenPrevious, value: d.tokenPrevious }]),
    ...(d.seedOperator === undefined
      ? []
      : [
          { key: E.seedOperatorName, value: d.seedOperator.name },
          { key: E.seedOperatorToken, value: d.seedOperator.token },
        ]),
    { key: E.cloud, value: "alicloud" },
    { key: E.region, value: d.region },
    { key: E.scalingGroupId, value: d.scalingGroupId },
    { key: E.schedule, value: d.schedule },
    { key: E.startupTimeoutMinutes, value: String(d.startupTimeoutMinutes) },
    { key: E.heartbeatTimeoutMinutes, value: String(d.heartbeatTimeoutMinutes) },
    { key: E.rebootCooldownMinutes, value: String(d.rebootCooldownMinutes) },
    { key: E.maxRemediationAttempts, value: String(d.maxRemediationAttempts) },
    { key: E.maxUnhealthy, value: d.maxUnhealthy },
    { key: E.replaceMode, value: d.replaceMode },
    { key: E.dryRun, value: String(d.dryRun) },
    { key: E.fleetGeneration, value: d.fleetGeneration },
    { key: E.minHealthyPercentage, value: String(d.minHealthyPercentage) },
    { key: E.cookieSecure, value: String(d.cookieSecure) },
    ...(d.freezeWindows?.length
      ? [{ key: E.freezeWindows, value: JSON.stringify(d.freezeWindows) }]
      : []),
    { key: ECS_RAM_ROLE_ENV, value: d.ramRoleName },
  ];
  if (d.statuspage) {
    env.push(
      { key: E.statuspagePageId, value: d.statuspage.pageId },
      { key: E.statuspageMetricIds, value: JSON.stringify(d.statuspage.metricIds) },
      { key: E.statuspageApiKey, value: d.statuspage.apiKey },
    );
  }
  env.push(...identityEnvironment(d));
  return env;
}

/** The host identity and TLS variables of a deployment (issue 15). */
function identityEnvironment<S>(d: HostManagerDeployment<S>): EnvironmentEntry<S>[] {
  return [
    ...(d.tls
      ? [
          { key: E.tlsCertPem, value: d.tls.certPem },
          { key: E.tlsKeyPem, value: d.tls.keyPem },
        ]
      : []),
    ...(d.accountId === undefined ? [] : [{ key: E.accountId, value: d.accountId }]),
    ...(d.identitySigningCertPem === undefined
      ? []
      : [{ key: E.identitySigningCertPem, value: d.identitySigningCertPem }]),
    { key: E.fleetTokenFallback, value: String(d.fleetTokenFallback ?? false) },
  ];
}
