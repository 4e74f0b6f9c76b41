// The freeze and the rollout's pause as the operator views (the API, the status page)
// show them.
import { isFrozen, type FleetFreeze, type RolloutPause } from "../domain/freeze";

const iso = (ms: number) => new Date(ms).toISOString();

export type FreezeView =
  | { frozen: false }
  | { frozen: true; by: string; reason: string; startedAt: string; until: string };

export type RolloutPauseView =
  { paused: false } | { paused: true; by: string; reason: string; pausedAt: string };

export interface HoldsView {
  readonly freeze: FreezeView;
  readonly rollout: RolloutPauseView;
}

export function freezeView(freeze: FleetFreeze | null, now: number): FreezeView {
  if (!isFrozen(freeze, now)) return { frozen: false };
  return {
    frozen: true,
    by: freeze.by,
    reason: freeze.reason,
    startedAt: iso(freeze.startedAt),
    until: iso(freeze.endsAt),
  };
}

export function rolloutPauseView(pause: RolloutPause | null): RolloutPauseView {
  if (pause === null) return { paused: false };
  return { paused: true, by: pause.by, reason: pause.reason, pausedAt: iso(pause.pausedAt) };
}

export function holdsView(
  holds: { freeze(): FleetFreeze | null; rolloutPause(): RolloutPause | null },
  now: number,
): HoldsView {
  return {
    freeze: freezeView(holds.freeze(), now),
    rollout: rolloutPauseView(holds.rolloutPause()),
  };
}
