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
}

const printable = /^[\x20-\x7e]*$/;
const instanceIdPattern = /^i-[A-Za-z0-9-]{1,60}$/;
const macPattern = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;
const hostnamePattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
const MIN_REPORTED = HostStatus.starting;
const MAX_REPORTED = HostStatus.clientFailed;
const MAX_CPUS = 4096;
const MAX_CLIENT_VERSION = 64;

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
    clientVersion: z
      .string()
      .min(1)
      .max(MAX_CLIENT_VERSION)
      .regex(printable, "must be printable ASCII")
      .optional(),
    hostname: z.string().regex(hostnamePattern, "must be a host name").optional(),
  })
  .refine((r) => r.physicalCpus <= r.logicalCpus, {
    path: ["physicalCpus"],
    message: "must not exceed logicalCpus",
  });

export type ReportResult =
  | { success: true; data: HostReport }
  | { success: false; error: { field: string; message: string } };

/** The first problem, as `{ field, message }`, for a 400 that names the field. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "(body)";
  return { field, message: issue?.message ?? "invalid" };
}

const cpuCount = (n: unknown): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= MAX_CPUS;

/**
 * The same rules as hostReportSchema, checked by hand for the hot path: every host sends
 * a report a minute, and zod's generic machinery was a visible share of each request.
 * It only ever accepts what the schema accepts (and returns what the schema would: the
 * known fields, unknown ones dropped); anything else goes to the schema itself, so a
 * refusal and its field and message are zod's, exactly as before.
 */
export function parseHostReport(body: unknown): ReportResult {
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const { instanceId, privateIp, mac, status, logicalCpus, physicalCpus } = b;
    const { clientVersion, hostname } = b;
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
      physicalCpus <= logicalCpus &&
      (clientVersion === undefined ||
        (typeof clientVersion === "string" &&
          clientVersion.length >= 1 &&
          clientVersion.length <= MAX_CLIENT_VERSION &&
          printable.test(clientVersion))) &&
      (hostname === undefined || (typeof hostname === "string" && hostnamePattern.test(hostname)))
    ) {
      const report: HostReport = { instanceId, privateIp, mac, status, logicalCpus, physicalCpus };
      if (clientVersion !== undefined) report.clientVersion = clientVersion;
      if (hostname !== undefined) report.hostname = hostname;
      return { success: true, data: report };
    }
  }
  const parsed = hostReportSchema.safeParse(body);
  return parsed.success
    ? { success: true, data: parsed.data }
    : { success: false, error: firstIssue(parsed.error) };
}
