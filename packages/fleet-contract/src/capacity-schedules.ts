// Scheduled capacity: when the fleet's desired size changes by itself (to 0 at 20:00,
// back to fleet.instanceCount at 08:00), each entry a time of day or a 5-field cron in a
// time zone. The stack config and the host-manager's environment parse them with this
// one schema. The Pulumi program declares each entry as an ESS scheduled task, whose Cron
// recurrence ESS runs in UTC: "a cron expression which is written in UTC and consists of
// five fields: minute, hour, day of month (date), month, and day of week"
// (terraform-provider-alicloud website/docs/r/ess_scheduled_task.html.markdown,
// recurrence_value; the same of LaunchTime and RecurrenceEndTime: "The time must be in
// UTC", https://www.alibabacloud.com/help/en/auto-scaling/latest/createscheduledtask).
// So an entry is converted to UTC here, and refused when no one UTC cron fires at the
// same instants as the local one all year: a zone that moves its clocks (daylight
// saving) shifts the local time against UTC twice a year, which one task cannot follow.
import { Cron } from "croner";
import { z } from "zod";
import { isTimeZone } from "./freeze-windows";

/** The word for "back to fleet.instanceCount" in an entry's instanceCount. */
export const RESTORE_INSTANCE_COUNT = "instanceCount";

/** How far ahead of its firing an entry counts as in effect (see capacityInEffect). */
export const SCHEDULE_LOOKAHEAD_MS = 15 * 60_000;

const DAY_MS = 24 * 3_600_000;
/** How long the UTC form must match the local one: a year and a day. */
const CHECKED_SPAN_MS = 366 * DAY_MS;
const MAX_COMPARED_RUNS = 2000;

function isFiveFieldCron(pattern: string): boolean {
  if (pattern.trim().split(/\s+/).length !== 5) return false;
  try {
    new Cron(pattern.trim(), { paused: true, mode: "5-part" }).stop();
    return true;
  } catch {
    return false;
  }
}

/** pulumi config set --path stores numbers as strings: accept "5" as 5. */
const countFromString = (value: unknown): unknown =>
  typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;

const AT_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
const COUNT_MESSAGE = `must be a whole number of hosts or "${RESTORE_INSTANCE_COUNT}"`;

export const capacityScheduleSchema = z
  .strictObject({
    at: z
      .string({ error: "must be a time of day such as 20:00" })
      .regex(AT_PATTERN, "must be a time of day HH:MM such as 20:00")
      .optional(),
    cron: z
      .string({ error: "must be a 5-field cron expression" })
      .refine(isFiveFieldCron, "must be a valid 5-field cron expression (minute first)")
      .transform((s) => s.trim().replace(/\s+/g, " "))
      .optional(),
    timeZone: z
      .string()
      .refine(isTimeZone, "must be an IANA time zone such as Asia/Shanghai")
      .default("UTC"),
    instanceCount: z.preprocess(
      countFromString,
      z.union([
        z.number({ error: COUNT_MESSAGE }).int(COUNT_MESSAGE).min(0, COUNT_MESSAGE),
        z.literal(RESTORE_INSTANCE_COUNT, { error: COUNT_MESSAGE }),
      ]),
    ),
  })
  .superRefine((entry, ctx) => {
    if ((entry.at === undefined) === (entry.cron === undefined)) {
      ctx.addIssue({ code: "custom", path: ["at"], message: "set exactly one of at or cron" });
      return;
    }
    // zod runs this even when a field failed: convert only entries whose fields are valid.
    const fieldsValid =
      isTimeZone(entry.timeZone) &&
      (entry.cron !== undefined ? isFiveFieldCron(entry.cron) : AT_PATTERN.test(entry.at ?? ""));
    if (!fieldsValid) return;
    const converted = utcRecurrence(entry, new Date());
    if ("problem" in converted) {
      ctx.addIssue({ code: "custom", path: [converted.key], message: converted.problem });
    }
  });

export const capacitySchedulesSchema = z
  .array(capacityScheduleSchema)
  .max(20, "at most 20 entries");

export type CapacitySchedule = z.output<typeof capacityScheduleSchema>;

/** An entry's local cron: `at` as a daily cron, else the cron as written. */
export function localCron(entry: Pick<CapacitySchedule, "at" | "cron">): string {
  if (entry.at !== undefined) {
    const [hour, minute] = entry.at.split(":").map(Number);
    return `${minute} ${hour} * * *`;
  }
  return entry.cron ?? "";
}

/** The zone's offset from UTC at each of `instants`, in minutes (east positive). */
function offsetsMinutes(timeZone: string, instants: readonly number[]): Set<number> {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  const offsets = new Set<number>();
  for (const instant of instants) {
    const parts = format.formatToParts(new Date(instant));
    const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    const local = Date.UTC(
      part("year"),
      part("month") - 1,
      part("day"),
      part("hour"),
      part("minute"),
    );
    offsets.add(Math.round((local - Math.floor(instant / 60_000) * 60_000) / 60_000));
  }
  return offsets;
}

/** The pattern's runs from `from` until `until` (at most MAX_COMPARED_RUNS), in ms. */
function runsOf(
  pattern: string,
  timeZone: string,
  from: Date,
  until: number,
  firstOnly = false,
): number[] {
  const cron = new Cron(pattern, { timezone: timeZone, paused: true, mode: "5-part" });
  const runs: number[] = [];
  let next = cron.nextRun(from);
  const most = firstOnly ? 1 : MAX_COMPARED_RUNS;
  while (next && next.getTime() < until && runs.length < most) {
    runs.push(next.getTime());
    next = cron.nextRun(next);
  }
  cron.stop();
  return runs;
}

/** A cron field for a set of values: `*` when it holds every one of `all`. */
function field(values: ReadonlySet<number>, all: number): string {
  if (values.size === all) return "*";
  return [...values].sort((a, b) => a - b).join(",");
}

export type UtcRecurrence = { cron: string } | { problem: string; key: "timeZone" | "cron" | "at" };

/**
 * The UTC cron that fires at the same instants as the entry in its zone over the year
 * from `from`, or why there is none. The UTC form is built from the local cron's runs
 * in its first runs and accepted only if croner finds both forms firing at the same
 * instants for the whole year, so no hand-written cron arithmetic decides it.
 */
export function utcRecurrence(
  entry: Pick<CapacitySchedule, "at" | "cron" | "timeZone">,
  from: Date,
): UtcRecurrence {
  const local = localCron(entry);
  const until = from.getTime() + CHECKED_SPAN_MS;
  const days: number[] = [];
  for (let t = from.getTime(); t < until; t += DAY_MS) days.push(t);
  const offsets = offsetsMinutes(entry.timeZone, days);
  if (offsets.size > 1) {
    return {
      key: "timeZone",
      problem:
        `${entry.timeZone} changes its offset from UTC within the year (daylight saving), and ` +
        "ESS runs a scheduled task's Cron recurrence in UTC, so one task cannot fire at the " +
        "same local time all year: use a zone with a fixed offset (UTC, Asia/Shanghai, or " +
        "Etc/GMT-1 for UTC+1) and the UTC hours you mean",
    };
  }
  const sourceKey = entry.at !== undefined ? "at" : "cron";
  const offset = [...offsets][0];
  // A zone at UTC all year: the local cron is the UTC one; it must fire at all, though.
  const localRuns = runsOf(local, entry.timeZone, from, until, offset === 0);
  if (localRuns.length === 0) {
    return { key: sourceKey, problem: "never fires within the coming year" };
  }
  if (offset === 0) return { cron: local };
  // Enough runs to see every minute, hour and weekday of a daily or weekly pattern.
  const week = localRuns.slice(0, 64).map((t) => new Date(t));
  const minutes = new Set(week.map((d) => d.getUTCMinutes()));
  const hours = new Set(week.map((d) => d.getUTCHours()));
  const [, , dayOfMonth, month, dayOfWeek] = local.split(" ");
  const weekdays = dayOfWeek === "*" ? "*" : field(new Set(week.map((d) => d.getUTCDay())), 7);
  const candidate = `${field(minutes, 60)} ${field(hours, 24)} ${dayOfMonth} ${month} ${weekdays}`;
  const utcRuns = runsOf(candidate, "UTC", from, until);
  const same = utcRuns.length === localRuns.length && utcRuns.every((t, i) => t === localRuns[i]);
  if (!same) {
    return {
      key: sourceKey,
      problem:
        `has no UTC form in ${entry.timeZone} that ESS could run (it fires on days or at times ` +
        "that shift across midnight unevenly): write it in UTC",
    };
  }
  return { cron: candidate };
}

/** An entry as the program and the host-manager use it: its UTC cron and its count. */
export interface ResolvedSchedule {
  readonly utcCron: string;
  readonly instanceCount: number;
}

/** The entries with their UTC crons and "instanceCount" as the fleet's count. */
export function resolveSchedules(
  entries: readonly CapacitySchedule[],
  instanceCount: number,
  from: Date,
): ResolvedSchedule[] {
  return entries.map((entry) => {
    const converted = utcRecurrence(entry, from);
    if (!("cron" in converted)) throw new Error(`schedule entry: ${converted.problem}`);
    return {
      utcCron: converted.cron,
      instanceCount:
        entry.instanceCount === RESTORE_INSTANCE_COUNT ? instanceCount : entry.instanceCount,
    };
  });
}

/** The entry's last firing at or before `at` (ms), or null if it never fired. */
function lastFiring(schedule: ResolvedSchedule, at: number): number | null {
  const cron = new Cron(schedule.utcCron, { timezone: "UTC", paused: true, mode: "5-part" });
  // previousRuns finds runs strictly before its date: a millisecond later includes `at`.
  const [last] = cron.previousRuns(1, new Date(at + 1));
  cron.stop();
  return last && last.getTime() <= at ? last.getTime() : null;
}

export interface CapacityInEffect {
  readonly instanceCount: number;
  /** The entry that set it (its index) and when it fired; absent: no entry ever fired. */
  readonly entry?: number;
  readonly firedAt?: number;
}

/**
 * The capacity the schedule holds at `at`: the count of the entry that fired last (a
 * later entry wins a tie), else `instanceCount`. An entry due within `lookaheadMs`
 * counts as fired: a `pulumi up` moments before 20:00 then declares the night's size,
 * rather than a day's size that its update could write after the task has fired.
 */
export function capacityInEffect(
  schedules: readonly ResolvedSchedule[],
  instanceCount: number,
  at: number,
  lookaheadMs = SCHEDULE_LOOKAHEAD_MS,
): CapacityInEffect {
  let best: { entry: number; firedAt: number } | null = null;
  schedules.forEach((schedule, entry) => {
    const firedAt = lastFiring(schedule, at + lookaheadMs);
    if (firedAt !== null && (best === null || firedAt >= best.firedAt)) best = { entry, firedAt };
  });
  if (best === null) return { instanceCount };
  const { entry, firedAt } = best;
  return { instanceCount: schedules[entry].instanceCount, entry, firedAt };
}

export interface ScheduledScaleIn {
  readonly firedAt: number;
  /** The capacity before the entry fired, and the one it set. */
  readonly from: number;
  readonly to: number;
}

/**
 * The scale-in a schedule entry started within `windowMs` before `now`, if the last
 * firing lowered the capacity; null otherwise. With no earlier firing to compare with,
 * the capacity before is unknown and nothing counts as a scale-in.
 */
export function scheduledScaleIn(
  schedules: readonly ResolvedSchedule[],
  now: number,
  windowMs: number,
): ScheduledScaleIn | null {
  const current = capacityInEffect(schedules, Number.NaN, now, 0);
  if (current.firedAt === undefined || now - current.firedAt > windowMs) return null;
  const before = capacityInEffect(schedules, Number.NaN, current.firedAt - 1, 0);
  if (before.firedAt === undefined || !(current.instanceCount < before.instanceCount)) return null;
  return { firedAt: current.firedAt, from: before.instanceCount, to: current.instanceCount };
}

/**
 * The host-manager's form of the schedule (HOST_MANAGER_CAPACITY_SCHEDULES): the entries
 * as JSON, checked by the same schema, with every count a number (the program writes
 * fleet.instanceCount for "instanceCount": the service does not know it).
 */
export function parseCapacitySchedulesJson(
  raw: string,
): { schedules: CapacitySchedule[] } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { problem: "must be a JSON array of capacity schedule entries" };
  }
  const parsed = capacitySchedulesSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `${issue?.path.join(".") || "entries"} ${issue?.message ?? "is invalid"}` };
  }
  const keyword = parsed.data.findIndex((e) => e.instanceCount === RESTORE_INSTANCE_COUNT);
  if (keyword >= 0) {
    return { problem: `${keyword}.instanceCount must be a number of hosts here` };
  }
  return { schedules: parsed.data };
}
