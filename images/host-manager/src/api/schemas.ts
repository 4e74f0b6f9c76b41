// Request validation. A host report is what the Windows hosts' PowerShell sends;
// every field is bounded, so nothing a client sends can bloat the database.
import { z } from "zod";
import type { HostReport } from "../store/types";

const printable = /^[\x20-\x7e]*$/;
const instanceIdPattern = /^i-[A-Za-z0-9-]{1,60}$/;
const macPattern = /^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/;
const hostnamePattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;

export const hostReportSchema = z
  .object({
    instanceId: z.string().regex(instanceIdPattern, "must look like i-xxxxxxxx"),
    privateIp: z.ipv4("must be an IPv4 address"),
    mac: z.string().regex(macPattern, "must be a MAC address"),
    // 0 (created) is the manager's own state; hosts report 1..4.
    status: z.number().int().min(1).max(4),
    logicalCpus: z.number().int().min(1).max(4096),
    physicalCpus: z.number().int().min(1).max(4096),
    clientVersion: z.string().min(1).max(64).regex(printable, "must be printable ASCII").optional(),
    hostname: z.string().regex(hostnamePattern, "must be a host name").optional(),
  })
  .refine((r) => r.physicalCpus <= r.logicalCpus, {
    path: ["physicalCpus"],
    message: "must not exceed logicalCpus",
  });

type ReportResult =
  | { success: true; data: HostReport }
  | { success: false; error: { field: string; message: string } };

const cpuCount = (n: unknown): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 4096;

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
      status >= 1 &&
      status <= 4 &&
      cpuCount(logicalCpus) &&
      cpuCount(physicalCpus) &&
      physicalCpus <= logicalCpus &&
      (clientVersion === undefined ||
        (typeof clientVersion === "string" &&
          clientVersion.length >= 1 &&
          clientVersion.length <= 64 &&
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

export const hostsQuerySchema = z.object({
  archived: z.enum(["true", "false"]).default("false"),
});

export const cyclesQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 200, "must be between 1 and 200")
    .default(10),
});

/** The first problem, as `{ field, message }`, for a 400 that names the field. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "(body)";
  return { field, message: issue?.message ?? "invalid" };
}
