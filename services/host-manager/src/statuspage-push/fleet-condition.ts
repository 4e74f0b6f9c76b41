// What Statuspage should say about the fleet after a cycle: one mapping, from the
// cycle's figures (whose `unhealthy` is the one definition, ../domain/health.ts) to a
// component status and, for the two conditions people must hear of, an incident.
//
//   storm guard open          major_outage           incident "storm-guard" (investigating)
//   frozen                    under_maintenance      incident "frozen" (identified)
//   unhealthy >= 20% judged   partial_outage         none
//   unhealthy >= 5% judged    degraded_performance   none
//   otherwise (or none judged) operational           none
//
// A freeze is under_maintenance, not an outage: an operator holds the fleet still on
// purpose (a benchmark run) and nothing is broken; its incident says so and until when.
// The storm guard wins over a freeze: many unhealthy hosts is news either way. A few
// hosts under routine remediation (under 5%) leave the fleet operational.
import type { CycleSummary } from "../domain/cycle";

/** Statuspage's component statuses (https://developer.statuspage.io/#tag/components). */
export const COMPONENT_STATUSES = [
  "operational",
  "under_maintenance",
  "degraded_performance",
  "partial_outage",
  "major_outage",
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export type IncidentKind = "storm-guard" | "frozen";

/** Shares of the judged hosts unhealthy at which the component steps down. */
export const DEGRADED_SHARE = 0.05;
export const PARTIAL_OUTAGE_SHARE = 0.2;

export interface IncidentText {
  readonly kind: IncidentKind;
  readonly name: string;
  /** Statuspage's realtime incident status (investigating, identified, monitoring, resolved). */
  readonly status: "investigating" | "identified";
  readonly body: string;
}

export interface FleetCondition {
  readonly component: ComponentStatus;
  readonly incident: IncidentText | null;
}

type ConditionFigures = Pick<
  CycleSummary,
  "total" | "unhealthy" | "maxUnhealthy" | "stormGuardOpen" | "frozen"
>;

export function fleetCondition(cycle: ConditionFigures): FleetCondition {
  if (cycle.stormGuardOpen) {
    return {
      component: "major_outage",
      incident: {
        kind: "storm-guard",
        name: "Fleet storm guard open: automatic remediation held",
        status: "investigating",
        body: `${cycle.unhealthy} of ${cycle.total} hosts are unhealthy, more than the ${cycle.maxUnhealthy} at which the host-manager still remediates; it reboots and replaces none until fewer are.`,
      },
    };
  }
  if (cycle.frozen) {
    return {
      component: "under_maintenance",
      incident: {
        kind: "frozen",
        name: "Fleet frozen: no reboots, replacements or rollouts",
        status: "identified",
        // Who froze it and why stay on the host-manager's own page: this one may be public.
        body: `The fleet is frozen until ${new Date(cycle.frozen.endsAt).toISOString()}: hosts are still judged, and none is rebooted, replaced or rolled out meanwhile.`,
      },
    };
  }
  const share = cycle.total === 0 ? 0 : cycle.unhealthy / cycle.total;
  const component: ComponentStatus =
    share >= PARTIAL_OUTAGE_SHARE
      ? "partial_outage"
      : share >= DEGRADED_SHARE
        ? "degraded_performance"
        : "operational";
  return { component, incident: null };
}
