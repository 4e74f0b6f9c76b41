// Cron patterns as both halves write them: six fields, seconds first (croner's form).
import { Cron } from "croner";

/** Whether `pattern` is a 6-field cron expression croner accepts. */
export function isSixFieldCron(pattern: string): boolean {
  if (pattern.trim().split(/\s+/).length !== 6) return false;
  try {
    new Cron(pattern.trim(), { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}
