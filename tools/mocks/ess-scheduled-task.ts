// What the provider and ESS refuse of an alicloud_ess_scheduled_task, so the mocks refuse
// it too: a program that declares a task the cloud would turn down fails under test.
// From terraform-provider-alicloud alicloud/resource_alicloud_ess_scheduled_task.go (the
// schema's validators and conflicts) and website/docs/r/ess_scheduled_task.html.markdown
// (ESS's own limits, which the provider passes through unchecked).
import { Cron } from "croner";

const DAY_MS = 24 * 3_600_000;
/** launch_time: "YYYY-MM-DDThh:mmZ format. The time must be in UTC." */
const LAUNCH_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/;
/** recurrence_end_time, "in UTC": the API samples write it as LaunchTime (2014-08-17T16:55Z). */
const END_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/;
/** scheduled_task_name: 2-40 characters, letters, digits, _ - ., starting with a letter or digit (ROS ALIYUN::ESS::ScheduledTask). */
const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$/;

const has = (inputs: Record<string, unknown>, key: string) =>
  inputs[key] !== undefined && inputs[key] !== null && inputs[key] !== "";

function isFiveFieldCron(value: string): boolean {
  if (value.trim().split(/\s+/).length !== 5) return false;
  try {
    new Cron(value, { paused: true, mode: "5-part" }).stop();
    return true;
  } catch {
    return false;
  }
}

/** Why the provider or ESS would refuse a scheduled task with these inputs; undefined if not. */
export function scheduledTaskRefusal(inputs: Record<string, unknown>): string | undefined {
  // scheduled_action ConflictsWith scaling_group_id (:22-26, :40-45).
  if (has(inputs, "scheduledAction") && has(inputs, "scalingGroupId")) {
    return "scheduledAction conflicts with scalingGroupId";
  }
  // With scaling_group_id, "You must specify at least one of MinValue, MaxValue, and DesiredCapacity" (docs).
  if (
    has(inputs, "scalingGroupId") &&
    !["minValue", "maxValue", "desiredCapacity"].some((key) => has(inputs, key))
  ) {
    return "scalingGroupId needs minValue, maxValue or desiredCapacity";
  }
  // launch_expiration_time: IntBetween(0, 1800) (:46-51).
  const expiration = inputs.launchExpirationTime;
  if (expiration !== undefined && !(Number(expiration) >= 0 && Number(expiration) <= 1800)) {
    return `launchExpirationTime ${String(expiration)} is not between 0 and 1800`;
  }
  // recurrence_type: StringInSlice Daily, Weekly, Monthly, Cron (:65-70).
  const type = inputs.recurrenceType;
  if (type !== undefined && !["Daily", "Weekly", "Monthly", "Cron"].includes(String(type))) {
    return `recurrenceType ${String(type)} is not Daily, Weekly, Monthly or Cron`;
  }
  // "RecurrenceType, RecurrenceValue and RecurrenceEndTime must be specified" together (:64, docs).
  const recurrence = ["recurrenceType", "recurrenceValue", "recurrenceEndTime"];
  const given = recurrence.filter((key) => has(inputs, key));
  if (given.length > 0 && given.length < recurrence.length) {
    return `${recurrence.join(", ")} go together (got ${given.join(", ")})`;
  }
  if (type === "Cron" && !isFiveFieldCron(String(inputs.recurrenceValue))) {
    return `recurrenceValue ${String(inputs.recurrenceValue)} is not a 5-field cron`;
  }
  if (has(inputs, "launchTime") && !LAUNCH_TIME.test(String(inputs.launchTime))) {
    return `launchTime ${String(inputs.launchTime)} is not YYYY-MM-DDThh:mmZ`;
  }
  if (has(inputs, "recurrenceEndTime")) {
    const end = String(inputs.recurrenceEndTime);
    if (!END_TIME.test(end)) return `recurrenceEndTime ${end} is not YYYY-MM-DDThh:mmZ`;
    // At most 365 days after the task's creation (docs), which is no later than its launch.
    const launch = has(inputs, "launchTime") ? Date.parse(String(inputs.launchTime)) : NaN;
    if (Number.isFinite(launch) && Date.parse(end) - launch > 365 * DAY_MS) {
      return `recurrenceEndTime ${end} is more than 365 days after launchTime`;
    }
    if (Number.isFinite(launch) && Date.parse(end) <= launch) {
      return `recurrenceEndTime ${end} is not after launchTime`;
    }
  }
  if (has(inputs, "scheduledTaskName") && !TASK_NAME.test(String(inputs.scheduledTaskName))) {
    return `scheduledTaskName ${String(inputs.scheduledTaskName)} is not 2-40 letters, digits, _ - .`;
  }
  const description = inputs.description;
  if (
    description !== undefined &&
    !(String(description).length >= 2 && String(description).length <= 200)
  ) {
    return "description must be 2-200 characters";
  }
  return undefined;
}
