// Request validation. A host report is what the Windows hosts' PowerShell sends; its
// schema is the fleet contract's (@hpc-fleet/fleet-contract), shared with the host side.
import { z } from "zod";

export { firstIssue, hostReportSchema, parseHostReport } from "@hpc-fleet/fleet-contract";

/** A `limit` query parameter: a whole number in [1, max], `fallback` when absent. */
const limitParam = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be between 1 and ${max}`)
    .default(fallback);

/** Hosts per page of GET /api/v1/hosts: bounded, so no request reads the whole fleet. */
export const HOSTS_PAGE_DEFAULT = 100;
export const HOSTS_PAGE_MAX = 500;

export const hostsQuerySchema = z.object({
  archived: z.enum(["true", "false"]).default("false"),
  limit: limitParam(HOSTS_PAGE_MAX, HOSTS_PAGE_DEFAULT),
  cursor: z.string().max(200).optional(),
});

export const cyclesQuerySchema = z.object({
  limit: limitParam(200, 10),
});
