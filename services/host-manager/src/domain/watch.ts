// What the cycle holds back from the ladder and the rollout besides the records: the
// hosts whose replace is queued for ESS, and the hosts the group gave back (restored
// after being archived), each watched again only since it came back.
import type { HealthContext } from "./health-context";

export interface PlanInputs {
  /** Hosts whose replace is asked of ESS and not yet accepted (remove mode). */
  readonly queuedRemovals?: ReadonlySet<string>;
  /**
   * Hosts restored to the group after being archived, and when: while archived their
   * reports were refused, so no timeout runs for them from before they came back.
   */
  readonly restoredAt?: ReadonlyMap<string, number>;
  /**
   * A schedule entry is scaling the group in: up to `hosts` unhealthy hosts are taken to
   * be the ones ESS is removing (capacity-schedule.ts).
   */
  readonly scaleIn?: { readonly hosts: number };
}

/** The context `instanceId` is judged in: the start-up grace, or its restore if later. */
export function contextFor(
  context: HealthContext,
  instanceId: string,
  inputs: PlanInputs,
): HealthContext {
  const restored = inputs.restoredAt?.get(instanceId);
  return restored === undefined || restored <= context.observingSince
    ? context
    : { ...context, observingSince: restored };
}
