// The freeze's rules: when it holds, what a request may set, and what it holds.
import { applyHolds, isFrozen, MAX_FREEZE_MS, newFreeze } from "../../src/domain/freeze";
import type { PlannedAction } from "../../src/domain/ladder";
import { host, T0 } from "../support/fixtures";

const reboot: PlannedAction = {
  host: host({ instanceId: "i-a" }),
  step: { kind: "reboot", reason: "heartbeat-timeout" },
};
const outdated = { instanceId: "i-b", generation: "old" };
const would = {
  remediations: [reboot],
  rolloutReplace: [outdated],
  generation: "new",
  queuedRemovals: [{ instanceId: "i-c", origin: "ladder", reason: "heartbeat-timeout" }],
};

describe("the freeze", () => {
  it("holds until its end, not at it", () => {
    const freeze = { by: "a", reason: "r", startedAt: T0, endsAt: T0 + 1000 };
    expect(isFrozen(freeze, T0 + 999)).toBe(true);
    expect(isFrozen(freeze, T0 + 1000)).toBe(false);
    expect(isFrozen(null, T0)).toBe(false);
  });

  it("must end in the future, within the bound, and say why", () => {
    expect(newFreeze({ by: "a", reason: "r", until: T0 }, T0)).toEqual({
      error: "until: must be in the future",
    });
    expect(newFreeze({ by: "a", reason: "r", until: T0 + MAX_FREEZE_MS + 1 }, T0)).toEqual({
      error: expect.stringMatching(/^until: at most 168 hours/),
    });
    expect(newFreeze({ by: "a", reason: " ", until: T0 + 1 }, T0)).toEqual({
      error: "reason: required",
    });
    expect(newFreeze({ by: "a", reason: "r", until: T0 + MAX_FREEZE_MS }, T0)).toEqual({
      by: "a",
      reason: "r",
      startedAt: T0,
      endsAt: T0 + MAX_FREEZE_MS,
    });
  });

  it("frozen, starts nothing and lists it all", () => {
    const held = applyHolds(would, { frozen: true, paused: false });
    expect(held.remediations).toEqual([]);
    expect(held.rolloutReplace).toEqual([]);
    expect(held.sendRemovals).toBe(false);
    expect(held.heldByFreeze?.map((h) => [h.instanceId, h.action])).toEqual([
      ["i-a", "reboot"],
      ["i-b", "rollout-replace"],
      ["i-c", "remove"],
    ]);
  });

  it("a paused rollout holds only the rollout's replacements", () => {
    const held = applyHolds(would, { frozen: false, paused: true });
    expect(held.remediations).toEqual([reboot]);
    expect(held.rolloutReplace).toEqual([]);
    expect(held.sendRemovals).toBe(true);
    expect(held.heldByRolloutPause).toEqual([
      { instanceId: "i-b", action: "rollout-replace", reason: "outdated-generation: old -> new" },
    ]);
    expect(applyHolds(would, { frozen: false, paused: false }).rolloutReplace).toEqual([outdated]);
  });
});
