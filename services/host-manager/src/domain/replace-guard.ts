// What holds back the ladder's replaces beyond the storm guard: a budget of replaces per
// window, and a breaker per slot. A slot whose new hosts never come up (a bad image or
// instance type: each new instance as dead as the last) is given up on, marked failed
// with the reason, instead of replaced forever; the per-host retry limit cannot see
// this, as each replacement is a new instance id with no attempts.
import type { CycleHost } from "./host";
import type { PlannedAction } from "./ladder";

/** The failed-slot reason: the breaker opened on the host's slot. */
export const SLOT_BREAKER = "slot-breaker";

export interface ReplaceGuardSettings {
  /**
   * Hosts in a row in one slot that never came up before the slot is failed. Defaults
   * to 3: the original's replacement and two more.
   */
  readonly breakerLimit: number;
  /** Ladder replaces per window; null: a quarter of the judged fleet, at least 10. */
  readonly budget: number | null;
  readonly windowMs: number;
}

export const DEFAULT_REPLACE_GUARD: ReplaceGuardSettings = {
  breakerLimit: 3,
  budget: null,
  windowMs: 3_600_000,
};

/** The budget for a fleet of `judged` hosts. */
export function replaceBudget(settings: ReplaceGuardSettings, judged: number): number {
  return settings.budget ?? Math.max(10, Math.ceil(judged / 4));
}

export interface ReplaceGuardInputs {
  readonly settings: ReplaceGuardSettings;
  /** Hosts in a row before each host in its slot that never came up (absent: 0). */
  readonly strikes: ReadonlyMap<string, number>;
  /** Replaces the budget still allows in this window. */
  readonly remaining: number;
}

export interface GuardedActions {
  readonly actions: PlannedAction[];
  /** Replaces held back by the exhausted budget (they wait for the window to move on). */
  readonly held: number;
  /** Replaces the budget let through. */
  readonly spent: number;
}

/** Whether the host never reported at all since it was launched. */
const neverCameUp = (host: CycleHost) => host.lastReportAt === null;

/** The ladder's actions with the breaker and the budget applied, in plan order. */
export function guardReplacements(
  actions: readonly PlannedAction[],
  { settings, strikes, remaining }: ReplaceGuardInputs,
): GuardedActions {
  const guarded: PlannedAction[] = [];
  let held = 0;
  let spent = 0;
  for (const planned of actions) {
    const { host, step } = planned;
    if (step.kind !== "replace") {
      guarded.push(planned);
      continue;
    }
    // This host is one more in the slot that never came up: with it, the limit is reached.
    const inARow = (strikes.get(host.instanceId) ?? 0) + (neverCameUp(host) ? 1 : 0);
    if (neverCameUp(host) && inARow >= settings.breakerLimit) {
      guarded.push({
        host,
        step: {
          kind: "mark-failed",
          reason: SLOT_BREAKER,
          detail: `${inARow} hosts in a row in this slot never came up (last: ${step.reason}); not replaced again`,
        },
      });
      continue;
    }
    if (spent >= remaining) {
      held++;
      continue;
    }
    spent++;
    guarded.push(planned);
  }
  return { actions: guarded, held, spent };
}
