// The report every host sends to the host-manager (POST /rpc/v1/status): its fields,
// their bounds and the status codes. The host scripts build it (HpcFleet's status
// report), the service parses it with parseHostReport.
import { z } from "zod";

/** Where hosts send their reports. */
export const REPORT_PATH = "/rpc/v1/status";

/** Codes a host reports; 0 is only ever set by the manager. */
export const HostStatus = {
  created: 0,
  starting: 1,
  running: 2,
  clientExited: 3,
  clientFailed: 4,
} as const;
export type HostStatusCode = (typeof HostStatus)[keyof typeof HostStatus];

export const STATUS_NAMES: Readonly<Record<number, string>> = {
  [HostStatus.created]: "created",
  [HostStatus.starting]: "starting",
  [HostStatus.running]: "running",
  [HostStatus.clientExited]: "client-exited",
  [HostStatus.clientFailed]: "client-failed",
};

/** The status codes a host may send: every one but `created`. */
export const REPORTED_STATUSES: readonly HostStatusCode[] = [
  HostStatus.starting,
  HostStatus.running,
  HostStatus.clientExited,
  HostStatus.clientFailed,
];

export interface HostReport {
  instanceId: string;
  privateIp: string;
  mac: string;
  status: number;
  logicalCpus: number;
  physicalCpus: number;
  clientVersion?: string;
  hostname?: string;
  /** The spot interruption notice: when ECS will release the instance (UTC, ISO 8601). */
  spotTerminationTime?: string;
  /** The host's CPU use, 0-100 (all processors). */
  cpuPercent?: number;
  /** The host's available physical memory, 0-100 of the total. */
  memoryAvailablePercent?: number;
  /** The client process's CPU use, 0-100 of the whole host (all processors). */
  clientCpuPercent?: number;
  /** The client process's working set. */
  clientWorkingSetBytes?: number;
}

const printable = /^[\x20-\x7e]*$/;
const instanceIdPattern = /^i-[A-Za-z0-9-]{1,60}$/;
const macPattern = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;
const hostnamePattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const MIN_REPORTED = HostStatus.starting;
const MAX_REPORTED = HostStatus.clientFailed;
const MAX_CPUS = 4096;
const MAX_CLIENT_VERSION = 64;
/** A UTC time as the metadata service gives it (2015-01-05T18:02:00Z), milliseconds allowed. */
const utcTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
/** A working set larger than this (1 PiB) is not a measurement. */
const MAX_WORKING_SET_BYTES = 2 ** 50;

/** The spot notice and the load figures: optional, and dropped when they do not fit. */
export const SPOT_AND_LOAD_FIELDS = [
  "spotTerminationTime",
  "cpuPercent",
  "memoryAvailablePercent",
  "clientCpuPercent",
  "clientWorkingSetBytes",
] as const satisfies readonly (keyof HostReport)[];

/**
 * The optional, cosmetic fields. A value that does not fit one (too long, not ASCII, a
 * host name with an underscore, a wrong type) is dropped, so the field is stored as
 * null: a heartbeat is never refused over a label, since a host whose reports are all
 * refused looks silent and is rebooted, then replaced.
 */
export const OPTIONAL_REPORT_FIELDS = [
  "clientVersion",
  "hostname",
  // -- wip-spot: the spot notice and the load figures (a failed counter read, a garbled
  // value) degrade the same way: the heartbeat is what keeps a host from remediation.
  ...SPOT_AND_LOAD_FIELDS,
] as const;
export type OptionalReportField = (typeof OPTIONAL_REPORT_FIELDS)[number];

/** A percentage of the whole host. */
const percentSchema = z.number().min(0).max(100);
const spotTerminationTimeSchema = z
  .string()
  .regex(utcTimePattern, "must be a UTC time like 2015-01-05T18:02:00Z")
  .refine((v) => Number.isFinite(Date.parse(v)), "must be a real time");
const workingSetSchema = z.number().int().min(0).max(MAX_WORKING_SET_BYTES);

const clientVersionSchema = z
  .string()
  .min(1)
  .max(MAX_CLIENT_VERSION)
  .regex(printable, "must be printable ASCII");
const hostnameSchema = z.string().regex(hostnamePattern, "must be a host name");

/** Every field bounded, so nothing a client sends can bloat the database. */
export const hostReportSchema = z
  .object({
    instanceId: z.string().regex(instanceIdPattern, "must look like i-xxxxxxxx"),
    privateIp: z.ipv4("must be an IPv4 address"),
    mac: z.string().regex(macPattern, "must be a MAC address"),
    // 0 (created) is the manager's own state; hosts report 1..4.
    status: z.number().int().min(MIN_REPORTED).max(MAX_REPORTED),
    logicalCpus: z.number().int().min(1).max(MAX_CPUS),
    physicalCpus: z.number().int().min(1).max(MAX_CPUS),
    // Required fields stay strict; these two degrade to absent (see OPTIONAL_REPORT_FIELDS).
    clientVersion: clientVersionSchema.optional().catch(undefined),
    hostname: hostnameSchema.optional().catch(undefined),
    spotTerminationTime: spotTerminationTimeSchema.optional().catch(undefined),
    cpuPercent: percentSchema.optional().catch(undefined),
    memoryAvailablePercent: percentSchema.optional().catch(undefined),
    clientCpuPercent: percentSchema.optional().catch(undefined),
    clientWorkingSetBytes: workingSetSchema.optional().catch(undefined),
  })
  .refine((r) => r.physicalCpus <= r.logicalCpus, {
    path: ["physicalCpus"],
    message: "must not exceed logicalCpus",
  });

export type ReportResult =
  /** `dropped`: the optional fields that were sent but did not fit, so are not in `data`. */
  | { success: true; data: HostReport; dropped: readonly OptionalReportField[] }
  | { success: false; error: { field: string; message: string } };

/** The first problem, as `{ field, message }`, for a 400 that names the field. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "(body)";
  return { field, message: issue?.message ?? "invalid" };
}

const cpuCount = (n: unknown): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_CPUS;

const fitsClientVersion = (v: unknown): v is string =>
  typeof v === "string" && v.length >= 1 && v.length <= MAX_CLIENT_VERSION && printable.test(v);
const fitsHostname = (v: unknown): v is string => typeof v === "string" && hostnamePattern.test(v);
const fitsUtcTime = (v: unknown): v is string =>
  typeof v === "string" && utcTimePattern.test(v) && Number.isFinite(Date.parse(v));
// NaN and the infinities are not JSON, but a body parsed some other way could hold them.
const fitsPercent = (v: unknown): v is number =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 100;
const fitsWorkingSet = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_WORKING_SET_BYTES;

/** How each spot and load field is checked on the hot path (the schema's rules). */
const SPOT_AND_LOAD_CHECKS = {
  spotTerminationTime: fitsUtcTime,
  cpuPercent: fitsPercent,
  memoryAvailablePercent: fitsPercent,
  clientCpuPercent: fitsPercent,
  clientWorkingSetBytes: fitsWorkingSet,
} as const;

/** Shared by every report that drops nothing, so the common case allocates no array. */
const NOTHING_DROPPED: readonly OptionalReportField[] = Object.freeze([]);

/** The optional fields `body` sent that `data` does not have: what the schema dropped. */
function droppedFields(body: unknown, data: HostReport): readonly OptionalReportField[] {
  const sent = body as Record<string, unknown>;
  const dropped = OPTIONAL_REPORT_FIELDS.filter(
    (field) => sent[field] !== undefined && data[field] === undefined,
  );
  return dropped.length === 0 ? NOTHING_DROPPED : dropped;
}

/**
 * The same rules as hostReportSchema, checked by hand for the hot path: every host sends
 * a report a minute, and zod's generic machinery was a visible share of each request.
 * It only ever accepts what the schema accepts (and returns what the schema would: the
 * known fields, unknown ones dropped, an optional field that does not fit left out);
 * anything else goes to the schema itself, so a refusal and its field and message are
 * zod's, exactly as before.
 */
export function parseHostReport(body: unknown): ReportResult {
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const { instanceId, privateIp, mac, status, logicalCpus, physicalCpus } = b;
    if (
      typeof instanceId === "string" &&
      instanceIdPattern.test(instanceId) &&
      typeof privateIp === "string" &&
      z.regexes.ipv4.test(privateIp) &&
      typeof mac === "string" &&
      macPattern.test(mac) &&
      typeof status === "number" &&
      Number.isInteger(status) &&
      status >= MIN_REPORTED &&
      status <= MAX_REPORTED &&
      cpuCount(logicalCpus) &&
      cpuCount(physicalCpus) &&
      physicalCpus <= logicalCpus
    ) {
      const report: HostReport = { instanceId, privateIp, mac, status, logicalCpus, physicalCpus };
      const { clientVersion, hostname } = b;
      let dropped = NOTHING_DROPPED;
      if (fitsClientVersion(clientVersion)) report.clientVersion = clientVersion;
      else if (clientVersion !== undefined) dropped = ["clientVersion"];
      if (fitsHostname(hostname)) report.hostname = hostname;
      else if (hostname !== undefined) dropped = [...dropped, "hostname"];
      for (const field of SPOT_AND_LOAD_FIELDS) {
        const value = b[field];
        if (value === undefined) continue;
        if (SPOT_AND_LOAD_CHECKS[field](value))
          (report as unknown as Record<string, unknown>)[field] = value;
        else dropped = [...dropped, field];
      }
      return { success: true, data: report, dropped };
    }
  }
  const parsed = hostReportSchema.safeParse(body);
  return parsed.success
    ? { success: true, data: parsed.data, dropped: droppedFields(body, parsed.data) }
    : { success: false, error: firstIssue(parsed.error) };
}
