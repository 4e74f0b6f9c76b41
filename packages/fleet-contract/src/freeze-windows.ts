// Planned freeze windows: when the fleet holds still by itself (nightly benchmark runs),
// each a 6-field cron for its start, a duration and a time zone. The stack config and
// the host-manager's environment parse them with this one schema; the service treats a
// time inside a window as frozen.
import { z } from "zod";
import { Cron } from "croner";
import { isSixFieldCron } from "./cron";

/** The longest window, as for a freeze set by hand: a week. */
export const MAX_FREEZE_WINDOW_MINUTES = 7 * 24 * 60;

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const freezeWindowSchema = z.strictObject({
  start: z
    .string({ error: "must be a 6-field cron expression" })
    .refine(isSixFieldCron, "must be a valid 6-field cron expression (seconds first)")
    .transform((s) => s.trim()),
  durationMinutes: z
    .number({ error: "must be a whole number of minutes" })
    .int("must be a whole number of minutes")
    .min(1, "must be at least 1")
    .max(MAX_FREEZE_WINDOW_MINUTES, `must be at most ${MAX_FREEZE_WINDOW_MINUTES} (7 days)`),
  timeZone: z
    .string()
    .refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin")
    .default("UTC"),
  reason: z.string().max(200).default("planned freeze window"),
});

export const freezeWindowsSchema = z.array(freezeWindowSchema).max(20, "at most 20 windows");

export type FreezeWindow = z.output<typeof freezeWindowSchema>;

/** The window holding at `now` (its last start, if it has not ended yet), ending last. */
export function activeFreezeWindow(
  windows: readonly FreezeWindow[],
  now: number,
): { window: FreezeWindow; startedAt: number; endsAt: number } | null {
  let active: { window: FreezeWindow; startedAt: number; endsAt: number } | null = null;
  for (const window of windows) {
    const cron = new Cron(window.start, { timezone: window.timeZone, paused: true });
    // Strictly before now: a start at exactly now is found by nextRun from a second before.
    const [last] = cron.previousRuns(1, new Date(now + 1000));
    cron.stop();
    if (!last) continue;
    const startedAt = last.getTime();
    const endsAt = startedAt + window.durationMinutes * 60_000;
    if (startedAt <= now && now < endsAt && (active === null || endsAt > active.endsAt)) {
      active = { window, startedAt, endsAt };
    }
  }
  return active;
}
