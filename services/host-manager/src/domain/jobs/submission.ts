// A job as an operator submits it: the action and its parameters, the hosts, and how it
// runs (hosts at once, time-to-run, retries, deadline, whether a freeze holds it).
import { z } from "zod";
import { ACTION_SCHEMAS } from "./actions";
import { hostSelectorSchema } from "./selector";

export const JOB_LIMITS = {
  maxConcurrency: 1_000,
  /** From a few seconds (stop-client) to a reboot and the client's start. */
  minTimeToRunSeconds: 5,
  maxTimeToRunSeconds: 3_600,
  maxAttempts: 10,
  maxRetryDelaySeconds: 3_600,
  /** A job not started within a week is not a job anyone still wants. */
  maxDeadlineMs: 7 * 24 * 3_600_000,
} as const;

const runShape = {
  hosts: hostSelectorSchema,
  /** At most this many of the job's tasks ready or running at once (a batch). */
  concurrency: z.number().int().min(1).max(JOB_LIMITS.maxConcurrency).default(50),
  /** A task whose host has not reported within this returns to ready (an attempt). */
  timeToRunSeconds: z
    .number()
    .int()
    .min(JOB_LIMITS.minTimeToRunSeconds)
    .max(JOB_LIMITS.maxTimeToRunSeconds)
    .default(300),
  /** Attempts per host in all (1: no retry). */
  maxAttempts: z.number().int().min(1).max(JOB_LIMITS.maxAttempts).default(3),
  retryDelaySeconds: z.number().int().min(0).max(JOB_LIMITS.maxRetryDelaySeconds).default(30),
  /** No task starts after this (ISO 8601 with an offset); omitted: no deadline. */
  deadline: z.iso.datetime({ offset: true }).optional(),
  /** Run while the fleet is frozen (an operator's explicit choice). */
  runDuringFreeze: z.boolean().default(false),
  reason: z.string().trim().min(1, "is required").max(500),
};

/** An action's own fields and the run's, in one strict object per action. */
export const jobSubmissionSchema = z.discriminatedUnion(
  "action",
  [
    ACTION_SCHEMAS[0].extend(runShape),
    ACTION_SCHEMAS[1].extend(runShape),
    ACTION_SCHEMAS[2].extend(runShape),
    ACTION_SCHEMAS[3].extend(runShape),
    ACTION_SCHEMAS[4].extend(runShape),
  ],
  {
    error: "must be one of restart-client, stop-client, collect-logs, collect-diagnostics, reboot",
  },
);
export type JobSubmission = z.infer<typeof jobSubmissionSchema>;

/** Why a valid-looking submission cannot run (a deadline in the past or too far). */
export function submissionProblem(
  submission: JobSubmission,
  now: number,
): { field: string; message: string } | undefined {
  if (submission.deadline === undefined) return undefined;
  const at = Date.parse(submission.deadline);
  if (at <= now) return { field: "deadline", message: "must be in the future" };
  if (at - now > JOB_LIMITS.maxDeadlineMs) {
    return { field: "deadline", message: "at most 7 days from now" };
  }
  return undefined;
}
