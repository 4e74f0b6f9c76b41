// The fixed list of actions a job may run on hosts (never arbitrary shell), each with its
// parameters validated here, so a bad submission is refused with the field it got wrong
// before a task exists. The host side (PowerShell) implements the same list.
import { z } from "zod";

/** The most a host returns in a result's `data` (collect-logs included): 32 KiB. */
export const MAX_RESULT_DATA_BYTES = 32 * 1024;

/** One argument of the benchmark client: printable, no line breaks, bounded. */
const clientArgument = z
  .string()
  .max(512, "at most 512 characters")
  .regex(/^[\x20-\x7e]*$/, "printable ASCII only");

const restartClient = z.strictObject({
  action: z.literal("restart-client"),
  params: z.strictObject({
    /** The client's new command-line arguments, one entry per argument. */
    args: z.array(clientArgument).max(64, "at most 64 arguments"),
    /** Keep them as the host's default for later starts (else the next boot forgets them). */
    keepAsDefault: z.boolean().default(false),
  }),
});

const stopClient = z.strictObject({
  action: z.literal("stop-client"),
  params: z.strictObject({}).default({}),
});

const collectLogs = z.strictObject({
  action: z.literal("collect-logs"),
  params: z
    .strictObject({
      /** The newest this many bytes of the client's logs; bounded by what a result carries. */
      maxBytes: z
        .number()
        .int("must be a whole number")
        .min(1024, "at least 1024")
        .max(MAX_RESULT_DATA_BYTES, `at most ${MAX_RESULT_DATA_BYTES}`)
        .default(16 * 1024),
    })
    .default({ maxBytes: 16 * 1024 }),
});

const collectDiagnostics = z.strictObject({
  action: z.literal("collect-diagnostics"),
  params: z
    .strictObject({
      /** Also write a dump of the client process (kept on the host; its path is returned). */
      dump: z.boolean().default(false),
      /** How long performance counters are sampled. */
      sampleSeconds: z.number().int().min(1).max(300).default(30),
    })
    .default({ dump: false, sampleSeconds: 30 }),
});

const reboot = z.strictObject({
  action: z.literal("reboot"),
  params: z.strictObject({}).default({}),
});

/** Each action's schema: `action` and `params`, strict (an unknown key is refused). */
export const ACTION_SCHEMAS = [
  restartClient,
  stopClient,
  collectLogs,
  collectDiagnostics,
  reboot,
] as const;

export const actionSchema = z.discriminatedUnion("action", ACTION_SCHEMAS);

/** An action with its parameters, as validated (defaults filled in). */
export type JobAction = z.infer<typeof actionSchema>;
export type ActionName = JobAction["action"];

export const ACTION_NAMES = [
  "restart-client",
  "stop-client",
  "collect-logs",
  "collect-diagnostics",
  "reboot",
] as const satisfies readonly ActionName[];
