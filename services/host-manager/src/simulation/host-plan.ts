// What each simulated host will do: keep running, or fail in one of the ways the health
// check knows (domain/assessment.ts), and whether a reboot heals it. The initial fleet's
// failing share is exact (rounded), its modes dealt in turn so each shows up; which hosts
// fail, when, and whether a reboot heals them is drawn from the seeded PRNG.
import type { Random } from "./random";

/** Each with the assessment it earns (domain/assessment.ts). */
export const FAILURE_MODES = [
  /** Never reports after boot: startup-timeout. */
  "never-reports",
  /** Reports, then stops: heartbeat-timeout. */
  "goes-silent",
  /** Reports the client exited (status 3) and it never restarts: client-not-restarting. */
  "client-exited",
  /** Reports the client failed (status 4), again and again: client-failed. */
  "client-failed",
  /** Reports starting (status 1) and never gets further: stuck-starting. */
  "stuck-starting",
] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

/** The assessment reason each mode should earn. */
export const EXPECTED_REASON: Readonly<Record<FailureMode, string>> = {
  "never-reports": "startup-timeout",
  "goes-silent": "heartbeat-timeout",
  "client-exited": "client-not-restarting",
  "client-failed": "client-failed",
  "stuck-starting": "stuck-starting",
};

export interface HostPlan {
  readonly failure: FailureMode | null;
  /** From each boot, how long the host runs well before failing. */
  readonly failAfterMs: number;
  /** A reboot makes it healthy for good; else it fails the same way after each boot. */
  readonly healsOnReboot: boolean;
}

export const HEALTHY: HostPlan = { failure: null, failAfterMs: Infinity, healsOnReboot: true };

export interface PlanSettings {
  /** Share of the fleet (0 to 1) that fails. */
  readonly failureShare: number;
  /** Share of the failing hosts (0 to 1) that a reboot heals. */
  readonly rebootHealsShare: number;
  /** Hosts that fail while running do so within this long of their boot. */
  readonly onsetWindowMs: number;
}

/** Plans for `size` hosts, in instance order. */
export function planFleet(size: number, random: Random, settings: PlanSettings): HostPlan[] {
  const order = shuffled(size, random);
  const failing = Math.round(size * settings.failureShare);
  const plans: HostPlan[] = Array.from({ length: size }, () => HEALTHY);
  order.slice(0, failing).forEach((index, i) => {
    const failure = FAILURE_MODES[i % FAILURE_MODES.length];
    const fromBoot = failure === "never-reports" || failure === "stuck-starting";
    plans[index] = {
      failure,
      failAfterMs: fromBoot ? 0 : Math.floor(random() * settings.onsetWindowMs),
      healsOnReboot: random() < settings.rebootHealsShare,
    };
  });
  return plans;
}

/** 0..size-1 in a seeded order (Fisher-Yates). */
function shuffled(size: number, random: Random): number[] {
  const order = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
