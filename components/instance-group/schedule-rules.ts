// The rules fleet.schedules keeps beyond its schema (which checks each entry's fields and
// its UTC form): each count fits the group, no two entries fire in the same minute, and
// each fires often enough for ESS to take its launch time.
import {
  RESTORE_INSTANCE_COUNT,
  utcRecurrence,
  type CapacitySchedule,
} from "@hpc-fleet/fleet-contract";
import { Cron } from "croner";
import { collectProblems, type ArgName, type ArgProblem } from "../arg-problems";

const DAY_MS = 24 * 3_600_000;
/** ESS: "You cannot enter a time point later than 90 days from the date of scheduled task creation" (launch_time). */
export const MAX_LAUNCH_AHEAD_MS = 90 * DAY_MS;
/** Where the rules look from without the program's moment (the stack config's parse). */
const REFERENCE = new Date(Date.UTC(2030, 0, 1));

interface ScheduleArgs {
  readonly schedules: readonly CapacitySchedule[];
  readonly instanceCount?: number;
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly capacityAt?: Date;
}

/** The entry's UTC firings over the year from `from`, or null if it has no UTC form. */
function firings(entry: CapacitySchedule, from: Date): number[] | null {
  const converted = utcRecurrence(entry, from);
  if (!("cron" in converted)) return null;
  const cron = new Cron(converted.cron, { timezone: "UTC", paused: true, mode: "5-part" });
  const until = from.getTime() + 366 * DAY_MS;
  const runs: number[] = [];
  for (let next = cron.nextRun(from); next && next.getTime() < until && runs.length < 2000;) {
    runs.push(next.getTime());
    next = cron.nextRun(next);
  }
  cron.stop();
  return runs;
}

export function scheduleProblems(args: ScheduleArgs, name: ArgName): ArgProblem[] {
  const from = args.capacityAt ?? REFERENCE;
  return collectProblems((report) => {
    const { instanceCount } = args;
    if (instanceCount !== undefined) {
      const minSize = args.minSize ?? 0;
      const maxSize = args.maxSize ?? instanceCount;
      args.schedules.forEach((entry, index) => {
        if (entry.instanceCount === RESTORE_INSTANCE_COUNT) return;
        const key = `schedules[${index}].instanceCount`;
        if (entry.instanceCount > maxSize) {
          report(key, `must not exceed ${name("maxSize")} (${entry.instanceCount} > ${maxSize})`);
        }
        if (entry.instanceCount < minSize) {
          report(key, `must not be below ${name("minSize")} (${entry.instanceCount} < ${minSize})`);
        }
      });
    }
    const runs = args.schedules.map((entry) => firings(entry, from));
    runs.forEach((own, index) => {
      if (!own) return;
      const gaps = [own[0] - from.getTime(), ...own.slice(1).map((t, i) => t - own[i])];
      if (own.length === 0 || Math.max(...gaps) > MAX_LAUNCH_AHEAD_MS) {
        report(
          `schedules[${index}]`,
          "must fire at least every 90 days: ESS takes a scheduled task's launch time at most 90 days ahead",
        );
      }
      const mine = new Set(own);
      const clash = runs.findIndex((other, j) => j < index && other?.some((t) => mine.has(t)));
      if (clash >= 0) {
        report(
          `schedules[${index}]`,
          `fires in the same minute as ${name("schedules")}[${clash}]: ESS then runs only the task created last`,
        );
      }
    });
  });
}
