// A host's part of a job, and the states it moves through:
//   pending -> ready -> reserved -> success | failed
// pending waits for a place in the job's batch (and for the end of a freeze); ready is
// offered to its host; reserved is accepted by it (one host, once per version). A
// reserved task whose host goes quiet past the time-to-run returns to ready (an attempt
// counted); a failed attempt with attempts left is delayed until its retry is due, and
// one with none left is buried for an operator. revoked: cancelled before it was reserved.
import type { ActionName } from "./actions";
import { RETCODE, type Resp } from "./retcode";

export const TASK_STATES = [
  "pending",
  "ready",
  "reserved",
  "delayed",
  "success",
  "failed",
  "buried",
  "revoked",
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** States a task never leaves. */
export const FINAL_STATES: ReadonlySet<TaskState> = new Set([
  "success",
  "failed",
  "buried",
  "revoked",
]);

/** A task a host was offered or runs: what counts against the job's concurrency. */
export const IN_FLIGHT_STATES: ReadonlySet<TaskState> = new Set(["ready", "reserved"]);

export interface Task {
  readonly id: number;
  readonly jobId: string;
  readonly instanceId: string;
  readonly state: TaskState;
  /** Goes up at every change of state: an accept or a result names the one it saw. */
  readonly version: number;
  /** Attempts begun (accepted) or lost to the time-to-run. */
  readonly attempts: number;
  /** When a delayed task is due again. */
  readonly dueAt: number | null;
  readonly reservedAt: number | null;
  /** The last word from the host while reserved (accept or progress). */
  readonly heardAt: number | null;
  readonly finishedAt: number | null;
  readonly retcode: number | null;
  readonly message: string | null;
  readonly data: string | null;
  /** The host's last progress note. */
  readonly progress: string | null;
}

/** What a host is handed: enough to run the action, nothing of other hosts. */
export interface TaskOffer {
  readonly taskId: number;
  readonly jobId: string;
  readonly version: number;
  readonly action: ActionName;
  readonly params: unknown;
  readonly timeToRunSeconds: number;
  readonly attempt: number;
}

/** success for success, failed for every other final state, none before. */
export function respOf(task: Pick<Task, "state">): Resp | null {
  if (task.state === "success") return "success";
  return FINAL_STATES.has(task.state) ? "failed" : null;
}

/** The retcode a task that ended without its host's word carries. */
export const SERVICE_ENDINGS = {
  revoked: { retcode: RETCODE.REVOKED, message: "revoked by an operator before it started" },
  deadline: {
    retcode: RETCODE.DEADLINE_PASSED,
    message: "the job's deadline passed before it started",
  },
  noSuchHost: { retcode: RETCODE.NO_SUCH_HOST, message: "no such host in the fleet" },
  hostLeft: { retcode: RETCODE.HOST_LEFT, message: "the host left the fleet before it started" },
  timedOut: {
    retcode: RETCODE.TIMED_OUT,
    message: "the host went quiet past the time-to-run on every attempt",
  },
} as const;
