// Request validation. A host report is what the Windows hosts' PowerShell sends; its
// schema is the fleet contract's (@hpc-fleet/fleet-contract), shared with the host side.
import { z } from "zod";

export { firstIssue, hostReportSchema, parseHostReport } from "@hpc-fleet/fleet-contract";

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
