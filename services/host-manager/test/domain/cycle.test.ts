// A cycle's record from its facts: the plan's and the rollout's figures, and why a
// rollout with outdated hosts replaced none.
import { remediationsDone, summarizeCycle, type CycleFacts } from "../../src/domain/cycle";
import type { HostRecord } from "../../src/domain/host";
import { planRemediation } from "../../src/domain/ladder";
import { planRollout, type RolloutSettings } from "../../src/domain/rollout";
import { at, contextAt, host, MINUTE } from "../support/fixtures";

const NOW = at(60);
const OLD = "aaaaaaaaaaaaaaaa";
const NEW = "bbbbbbbbbbbbbbbb";
const hosts: HostRecord[] = Array.from({ length: 10 }, (_, i) =>
  host({ instanceId: `i-h${i}`, lastReportAt: NOW - MINUTE, generation: OLD }),
);

function facts(rolloutSettings: RolloutSettings, inventory: CycleFacts["inventory"]): CycleFacts {
  const plan = planRemediation(hosts, contextAt(NOW));
  return {
    startedAt: NOW,
    finishedAt: NOW + 5,
    dryRun: false,
    inventory,
    plan,
    rolloutSettings,
    rollout: planRollout(hosts, contextAt(NOW), rolloutSettings, plan.stormGuardOpen),
    actions: [],
    recovered: [],
  };
}

const change = { change: { added: ["i-new"], archived: [], restored: [] } };

describe("summarizeCycle", () => {
  it("records the plan's counts and the inventory's changes", () => {
    const summary = summarizeCycle(facts({ generation: null, minHealthyPercentage: 100 }, change));
    expect(summary).toEqual({
      startedAt: NOW,
      finishedAt: NOW + 5,
      total: 10,
      healthy: 10,
      unhealthy: 0,
      remediating: 0,
      failed: 0,
      outdated: 0,
      maxUnhealthy: 4,
      stormGuardOpen: false,
      dryRun: false,
      inventory: { added: 1, archived: 0, restored: 0 },
      actions: [],
      recovered: [],
      unhealthyHosts: [],
    });
  });

  it("records the rollout's figures when a generation is configured", () => {
    const summary = summarizeCycle(facts({ generation: NEW, minHealthyPercentage: 80 }, change));
    expect(summary.outdated).toBe(10);
    expect(summary.rollout).toEqual({
      generation: NEW,
      minHealthyPercentage: 80,
      healthy: 10,
      minHealthy: 8,
      inFlight: 0,
      budget: 2,
    });
  });

  it("says a failed inventory held a rollout with outdated hosts, and records the error", () => {
    const summary = summarizeCycle(
      facts({ generation: NEW, minHealthyPercentage: 80 }, { error: "Throttling.User: slow" }),
    );
    expect(summary.rollout?.held).toBe("inventory-error");
    expect(summary.inventory).toEqual({
      added: 0,
      archived: 0,
      restored: 0,
      error: "Throttling.User: slow",
    });
    expect(summary.error).toBe("inventory: Throttling.User: slow");
    // Nothing outdated: nothing was held.
    const current = summarizeCycle(
      facts({ generation: OLD, minHealthyPercentage: 80 }, { error: "Throttling.User: slow" }),
    );
    expect(current.rollout?.held).toBeUndefined();
  });
});

describe("remediationsDone", () => {
  it("counts reboots and replaces made, a lost answer's included, and nothing else", () => {
    const made = (action: string, outcome: string) => ({
      instanceId: "i",
      action,
      reason: "r",
      outcome,
    });
    const actions = [
      made("reboot", "ok"),
      made("reboot", "unknown"),
      made("replace", "ok"),
      made("replace", "error"),
      made("replace", "pending"),
      made("mark-failed", "ok"),
      made("rollout-replace", "ok"),
    ] as Parameters<typeof remediationsDone>[0]["actions"];
    expect(remediationsDone({ actions })).toBe(3);
  });
});
