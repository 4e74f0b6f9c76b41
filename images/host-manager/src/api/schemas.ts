// Request validation. A host report is what the Windows hosts' PowerShell sends;
// every field is bounded, so nothing a client sends can bloat the database.
import { z } from "zod";

const printable = /^[\x20-\x7e]*$/;

export const hostReportSchema = z
  .object({
    instanceId: z.string().regex(/^i-[A-Za-z0-9-]{1,60}$/, "must look like i-xxxxxxxx"),
    privateIp: z.ipv4("must be an IPv4 address"),
    mac: z.string().regex(/^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/, "must be a MAC address"),
    // 0 (created) is the manager's own state; hosts report 1..4.
    status: z.number().int().min(1).max(4),
    logicalCpus: z.number().int().min(1).max(4096),
    physicalCpus: z.number().int().min(1).max(4096),
    clientVersion: z.string().min(1).max(64).regex(printable, "must be printable ASCII").optional(),
    hostname: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, "must be a host name")
      .optional(),
  })
  .refine((r) => r.physicalCpus <= r.logicalCpus, {
    path: ["physicalCpus"],
    message: "must not exceed logicalCpus",
  });

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
