// Scheduled capacity (fleet.schedules) as ESS scheduled tasks on the fleet's scaling group,
// and the desired capacity the group is declared with.
//
// The hard part: `fleet.instanceCount` must still change the group, yet a `pulumi up` at
// night must not set the desired capacity back to it (undoing the 20:00 scale-in until
// 08:00). So nothing holds the count but the schedule itself:
// - the "back to instanceCount" entry's task carries fleet.instanceCount as its
//   DesiredCapacity, so a count change updates that task;
// - the group is declared with the capacity the schedule holds at the moment the program
//   runs (capacityInEffect, in UTC, the entries' zones already converted), so an up by
//   day sets the new count at once, and an up at night declares the night's size, which
//   is what ESS already holds: no change, and the morning task brings the new count.
//   A preview at night therefore shows the night's value as the group's desired capacity.
// Rejected: ignoreChanges on desiredCapacity, which would keep a night up from undoing the
// schedule but also keep every count change from reaching the group (only the task would
// change), and would hide drift; and declaring instanceCount, which undoes the schedule.
// The moment is an arg (`capacityAt`), taken once at the top of the program.
import * as alicloud from "@pulumi/alicloud";
import type * as pulumi from "@pulumi/pulumi";
import {
  capacityInEffect,
  RESTORE_INSTANCE_COUNT,
  resolveSchedules,
  type CapacitySchedule,
  type ResolvedSchedule,
} from "@hpc-fleet/fleet-contract";
import { createHash } from "node:crypto";
import { Cron } from "croner";
import { MAX_LAUNCH_AHEAD_MS } from "./schedule-rules";

export const SCHEDULED_TASK_TYPE = "alicloud:ess/scheduledTask:ScheduledTask";

const DAY_MS = 24 * 3_600_000;
/** ESS: a recurrence may end at most 365 days after the task's creation (recurrence_end_time). */
export const MAX_RECURRENCE_MS = 365 * DAY_MS;
/** The provider's default and ESS's retry window, seconds: IntBetween(0, 1800) (resource_alicloud_ess_scheduled_task.go:46-51). */
export const LAUNCH_EXPIRATION_SECONDS = 600;
/**
 * The first launch is at least this far after the program's moment, so that the create
 * call, made a little later, never names a time already past.
 */
const LAUNCH_MARGIN_MS = 10 * 60_000;
/** ESS scheduled task names: 2-40 characters, letters, digits, _ - ., a letter or digit first. */
const MAX_TASK_NAME = 40;

/** ESS's time format for LaunchTime and RecurrenceEndTime: YYYY-MM-DDThh:mmZ, in UTC. */
export function essTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** The entries with "instanceCount" as the fleet's count: what the host-manager is given. */
export function entriesWithCounts(
  schedules: readonly CapacitySchedule[],
  instanceCount: number,
): CapacitySchedule[] {
  return schedules.map((entry) =>
    entry.instanceCount === RESTORE_INSTANCE_COUNT ? { ...entry, instanceCount } : entry,
  );
}

/** The desired capacity to declare: the schedule's at `capacityAt`, else the count. */
export function declaredCapacity(
  schedules: readonly CapacitySchedule[],
  instanceCount: number,
  capacityAt: Date | undefined,
): number {
  if (schedules.length === 0 || capacityAt === undefined) return instanceCount;
  const resolved = resolveSchedules(schedules, instanceCount, capacityAt);
  return capacityInEffect(resolved, instanceCount, capacityAt.getTime()).instanceCount;
}

/** The task's ESS name, unique per stack (the group's name carries the stack) and short enough. */
export function scheduledTaskName(groupName: string, index: number): string {
  const suffix = `-s${index}`;
  const name = `${groupName}${suffix}`;
  if (name.length <= MAX_TASK_NAME) return name;
  const digest = createHash("sha256").update(groupName).digest("hex").slice(0, 6);
  return `${groupName.slice(0, MAX_TASK_NAME - suffix.length - 7)}-${digest}${suffix}`;
}

/** The UTC cron's first firing after `afterMs`, or null. */
export function nextFiring(schedule: ResolvedSchedule, afterMs: number): number | null {
  const cron = new Cron(schedule.utcCron, { timezone: "UTC", paused: true, mode: "5-part" });
  const next = cron.nextRun(new Date(afterMs));
  cron.stop();
  return next ? next.getTime() : null;
}

/**
 * When the recurrences end: the first of the month eleven months after the program's
 * month, 00:00 UTC, at most 337 days ahead (ESS takes 365). It moves once a month, so
 * an up in a new month renews every task in place (ModifyScheduledTask); a stack left
 * without an up for ten months or more loses its schedule.
 */
export function recurrenceEnd(capacityAt: Date): number {
  return Date.UTC(capacityAt.getUTCFullYear(), capacityAt.getUTCMonth() + 11, 1);
}

export interface ScheduledTaskPlan {
  readonly launchTime: string;
  readonly recurrenceValue: string;
  readonly recurrenceEndTime: string;
  readonly desiredCapacity: number;
}

/** Each entry's task inputs at `capacityAt`; throws if an entry does not fire within 90 days. */
export function scheduledTaskPlans(
  schedules: readonly CapacitySchedule[],
  instanceCount: number,
  capacityAt: Date,
): ScheduledTaskPlan[] {
  const end = recurrenceEnd(capacityAt);
  return resolveSchedules(schedules, instanceCount, capacityAt).map((schedule, index) => {
    const launch = nextFiring(schedule, capacityAt.getTime() + LAUNCH_MARGIN_MS);
    if (launch === null || launch - capacityAt.getTime() > MAX_LAUNCH_AHEAD_MS) {
      throw new Error(`schedules[${index}] does not fire within 90 days`);
    }
    return {
      launchTime: essTime(launch),
      recurrenceValue: schedule.utcCron,
      recurrenceEndTime: essTime(end),
      desiredCapacity: schedule.instanceCount,
    };
  });
}

/** Declares one ESS scheduled task per entry on `scalingGroupId`, children of `parent`. */
export function declareScheduledTasks(
  parent: pulumi.Resource,
  name: string,
  scalingGroupId: pulumi.Input<string>,
  args: {
    readonly schedules: readonly CapacitySchedule[];
    readonly instanceCount: number;
    readonly capacityAt: Date;
    readonly groupName: string;
  },
): alicloud.ess.ScheduledTask[] {
  const plans = scheduledTaskPlans(args.schedules, args.instanceCount, args.capacityAt);
  return plans.map((plan, index) => {
    const entry = args.schedules[index];
    const when = entry.at ?? entry.cron;
    return new alicloud.ess.ScheduledTask(
      `${name}-schedule-${index}`,
      {
        // The group's own task: sets its numbers, not a scaling rule's
        // (scaling_group_id ConflictsWith scheduled_action: resource_alicloud_ess_scheduled_task.go:22-26,40-45).
        scalingGroupId,
        scheduledTaskName: scheduledTaskName(args.groupName, index),
        description: `fleet.schedules[${index}]: ${when} ${entry.timeZone}, ${entry.instanceCount} hosts`,
        desiredCapacity: plan.desiredCapacity,
        launchTime: plan.launchTime,
        launchExpirationTime: LAUNCH_EXPIRATION_SECONDS,
        recurrenceType: "Cron",
        recurrenceValue: plan.recurrenceValue,
        recurrenceEndTime: plan.recurrenceEndTime,
        taskEnabled: true,
      },
      {
        parent,
        // LaunchTime must lie ahead when it is sent (within 90 days); the provider sends it
        // only when it changes (resource_alicloud_ess_scheduled_task.go:182-184), so it is
        // set once, at creation, and the Cron recurrence decides every firing after. The
        // recurrence's end moves with the month and is sent with its type and value (:186-190).
        ignoreChanges: ["launchTime"],
      },
    );
  });
}
