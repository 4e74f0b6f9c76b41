// A freeze: while a benchmark runs the fleet holds still. The health check goes on
// judging hosts and recording cycles, but starts no reboot, replace, rollout replacement
// or removal; what it would have done is kept as held actions. A rollout can be paused
// on its own: its replacements are held, the ladder still acts.
import { activeFreezeWindow, type FreezeWindow } from "@hpc-fleet/fleet-contract";
import type { PlannedAction } from "./ladder";

export type { FreezeWindow } from "@hpc-fleet/fleet-contract";

/** The longest freeze one request may set: a forgotten freeze must end by itself. */
export const MAX_FREEZE_MS = 7 * 24 * 60 * 60 * 1000;

export interface FleetFreeze {
  /** Who froze the fleet (free text until operators have names). */
  readonly by: string;
  readonly reason: string;
  readonly startedAt: number;
  /** When it ends by itself; an unfreeze ends it before. */
  readonly endsAt: number;
}

export interface RolloutPause {
  readonly by: string;
  readonly reason: string;
  readonly pausedAt: number;
}

/** An action the cycle would have taken and did not, because of a freeze or a pause. */
export interface HeldAction {
  readonly instanceId: string;
  readonly action: "reboot" | "replace" | "mark-failed" | "rollout-replace" | "remove";
  readonly reason: string;
}

/** Whether `freeze` holds the fleet at `now`: set, and not yet at its end. */
export function isFrozen(freeze: FleetFreeze | null, now: number): freeze is FleetFreeze {
  return freeze !== null && now < freeze.endsAt;
}

/** Who a planned window's freeze is by. */
export const FREEZE_WINDOW_BY = "freeze window";

/**
 * The freeze holding at `now`: the one set by hand while it lasts, else the planned
 * window `now` is in (an unfreeze by hand does not end a window: change the config).
 */
export function freezeAt(
  stored: FleetFreeze | null,
  windows: readonly FreezeWindow[],
  now: number,
): FleetFreeze | null {
  if (isFrozen(stored, now)) return stored;
  const active = activeFreezeWindow(windows, now);
  if (!active) return null;
  const { window } = active;
  return {
    by: FREEZE_WINDOW_BY,
    reason: `${window.reason} (${window.start}, ${window.timeZone}, ${window.durationMinutes} min)`,
    startedAt: active.startedAt,
    endsAt: active.endsAt,
  };
}

/**
 * The freeze asked for, or why it cannot be: it must end in the future and within
 * MAX_FREEZE_MS, and say why.
 */
export function newFreeze(
  request: { by: string; reason: string; until: number },
  now: number,
): FleetFreeze | { error: string } {
  if (!Number.isFinite(request.until)) return { error: "until: not a time" };
  if (request.until <= now) return { error: "until: must be in the future" };
  if (request.until - now > MAX_FREEZE_MS) {
    return { error: `until: at most ${MAX_FREEZE_MS / 3_600_000} hours from now` };
  }
  if (request.reason.trim() === "") return { error: "reason: required" };
  return { by: request.by, reason: request.reason, startedAt: now, endsAt: request.until };
}

/** The ladder's planned actions as held ones. */
export function heldRemediations(actions: readonly PlannedAction[]): HeldAction[] {
  return actions.map(({ host, step }) => ({
    instanceId: host.instanceId,
    action: step.kind,
    reason: step.reason,
  }));
}

/** The rollout's replacements as held ones. */
export function heldRolloutReplacements(
  hosts: readonly { instanceId: string; generation: string | null }[],
  generation: string,
): HeldAction[] {
  return hosts.map((host) => ({
    instanceId: host.instanceId,
    action: "rollout-replace",
    reason: `outdated-generation: ${host.generation} -> ${generation}`,
  }));
}

/** What the cycle may do once the freeze and the pause are applied, and what they hold. */
export interface HeldCycle<H> {
  readonly remediations: PlannedAction[];
  readonly rolloutReplace: H[];
  /** Whether queued removals (remove mode) may be sent to ESS this cycle. */
  readonly sendRemovals: boolean;
  /** Set while frozen: everything the cycle would have started. */
  readonly heldByFreeze?: HeldAction[];
  /** Set while the rollout is paused (and the fleet not frozen): its replacements. */
  readonly heldByRolloutPause?: HeldAction[];
}

/**
 * Applies the freeze and the rollout's pause to what the cycle would do: frozen, it
 * starts nothing (the ladder, the rollout and queued removals are all held); paused,
 * only the rollout's replacements are held.
 */
export function applyHolds<H extends { instanceId: string; generation: string | null }>(
  would: {
    readonly remediations: readonly PlannedAction[];
    readonly rolloutReplace: readonly H[];
    readonly generation: string | null;
    readonly queuedRemovals: readonly { instanceId: string; origin: string; reason: string }[];
  },
  holds: { readonly frozen: boolean; readonly paused: boolean },
): HeldCycle<H> {
  const rollout =
    would.generation === null
      ? []
      : heldRolloutReplacements(would.rolloutReplace, would.generation);
  if (holds.frozen) {
    return {
      remediations: [],
      rolloutReplace: [],
      sendRemovals: false,
      heldByFreeze: [
        ...heldRemediations(would.remediations),
        ...rollout,
        ...would.queuedRemovals.map((removal): HeldAction => ({
          instanceId: removal.instanceId,
          action: "remove",
          reason: `queued ${removal.origin} removal: ${removal.reason}`,
        })),
      ],
    };
  }
  if (holds.paused) {
    return {
      remediations: [...would.remediations],
      rolloutReplace: [],
      sendRemovals: true,
      heldByRolloutPause: rollout,
    };
  }
  return {
    remediations: [...would.remediations],
    rolloutReplace: [...would.rolloutReplace],
    sendRemovals: true,
  };
}
