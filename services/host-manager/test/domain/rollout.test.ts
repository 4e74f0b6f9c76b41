// Rolling replacement by generation, as the pure decision on an injected clock: the
// budget and its rounding, hosts in flight, the storm guard, and the ladder leaving
// rolled hosts alone.
import type { HostRecord } from "../../src/domain/host";
import { planRemediation } from "../../src/domain/ladder";
import {
  minHealthyCount,
  planRollout,
  rolloutTimeoutMs,
  type RolloutSettings,
} from "../../src/domain/rollout";
import { at, contextAt, host, settings } from "../support/fixtures";

const OLD = "aaaaaaaaaaaaaaaa";
const NEW = "bbbbbbbbbbbbbbbb";
const NOW = at(60);

/** `n` healthy running hosts of generation `generation`, the lower numbers created earlier. */
function fleet(n: number, generation: string | null = OLD, from = 1): HostRecord[] {
  return Array.from({ length: n }, (_, i) =>
    host({
      instanceId: `i-r${String(i + from).padStart(4, "0")}`,
      cloudCreatedAt: at(-1000 + i + from),
      lastReportAt: at(59),
      generation,
    }),
  );
}

const rollout = (minHealthyPercentage = 80, generation: string | null = NEW): RolloutSettings => ({
  generation,
  minHealthyPercentage,
});
const decide = (hosts: HostRecord[], r = rollout(), stormGuardOpen = false, now = NOW) =>
  planRollout(hosts, contextAt(now), r, stormGuardOpen);
const ids = (hosts: readonly HostRecord[]) => hosts.map((h) => h.instanceId);

describe("rollout decision", () => {
  it("does nothing without a configured generation", () => {
    const d = decide(fleet(10), rollout(80, null));
    expect(d).toMatchObject({ outdated: 0, replace: [], held: null });
  });

  it("replaces the oldest healthy outdated hosts, up to healthy − ceil(total × min%)", () => {
    const hosts = fleet(10).reverse();
    const d = decide(hosts);
    expect(d).toMatchObject({ total: 10, healthy: 10, minHealthy: 8, outdated: 10, budget: 2 });
    expect(ids(d.replace)).toEqual(["i-r0001", "i-r0002"]);
  });

  it("makes no progress at 100%", () => {
    expect(decide(fleet(10), rollout(100))).toMatchObject({ budget: 0, replace: [] });
  });

  it("at 0% may replace every healthy outdated host at once", () => {
    expect(decide(fleet(10), rollout(0)).replace).toHaveLength(10);
  });

  it("rounds the healthy floor up", () => {
    expect(minHealthyCount(11, 80)).toBe(9); // 8.8
    expect(minHealthyCount(3, 50)).toBe(2); // 1.5
    expect(minHealthyCount(10, 80)).toBe(8);
    expect(minHealthyCount(0, 80)).toBe(0);
    expect(decide(fleet(11))).toMatchObject({ minHealthy: 9, budget: 2 });
    expect(decide(fleet(3), rollout(50))).toMatchObject({ minHealthy: 2, budget: 1 });
    // Below 5 hosts at 80% the floor leaves no room: nothing moves until it is lowered.
    expect(decide(fleet(4))).toMatchObject({ minHealthy: 4, budget: 0 });
  });

  it("counts replacements still in flight against the budget", () => {
    const hosts = fleet(10);
    // Replaced a cycle ago, still InService and healthy while ESS gets round to them.
    hosts[0] = { ...hosts[0], rolloutReplacedAt: at(55) };
    const d1 = decide(hosts);
    expect(d1).toMatchObject({ healthy: 10, inFlight: 1, budget: 1 });
    expect(ids(d1.replace)).toEqual(["i-r0002"]);
    // One is being removed (no longer judged) and still counts until it leaves the group.
    hosts[1] = { ...hosts[1], rolloutReplacedAt: at(55), lifecycleState: "Removing" };
    const d2 = decide(hosts);
    expect(d2).toMatchObject({ total: 9, healthy: 9, minHealthy: 8, inFlight: 2, budget: 0 });
    expect(d2.replace).toEqual([]);
    // Once gone from the group (archived), it no longer counts.
    hosts[1] = { ...hosts[1], archivedAt: at(58) };
    expect(decide(hosts)).toMatchObject({ inFlight: 1 });
  });

  it("a replace that never took effect stops counting as in flight after the rollout timeout", () => {
    const hosts = fleet(10);
    hosts[0] = { ...hosts[0], rolloutReplacedAt: NOW - rolloutTimeoutMs(settings) };
    const d = decide(hosts);
    expect(d).toMatchObject({ inFlight: 0, budget: 2 });
    expect(ids(d.replace)).toEqual(["i-r0001", "i-r0002"]);
  });

  it("leaves unhealthy, remediated, starting and current hosts alone, and counts none as healthy", () => {
    const hosts = [
      ...fleet(10, NEW, 11),
      host({ instanceId: "i-silent", generation: OLD, lastReportAt: at(30), cloudCreatedAt: 0 }),
      host({
        instanceId: "i-rebooting",
        generation: OLD,
        remediationState: "rebooting",
        cloudCreatedAt: 0,
        lastReportAt: at(59),
      }),
      host({
        instanceId: "i-starting",
        generation: OLD,
        status: 1,
        statusSince: at(55),
        lastReportAt: at(59),
        cloudCreatedAt: 0,
      }),
      host({ instanceId: "i-untagged", generation: null, lastReportAt: at(59), cloudCreatedAt: 0 }),
      host({ instanceId: "i-oldest", generation: OLD, lastReportAt: at(59), cloudCreatedAt: 1 }),
    ];
    const d = decide(hosts, rollout(50));
    // Healthy: the 10 current, the untagged one and i-oldest; the floor is ceil(15 / 2) = 8.
    expect(d).toMatchObject({ total: 15, healthy: 12, minHealthy: 8, outdated: 4, budget: 4 });
    expect(ids(d.replace)).toEqual(["i-oldest"]);
  });

  it("replaces nothing while the storm guard is open, and says so", () => {
    const d = decide(fleet(10), rollout(), true);
    expect(d).toMatchObject({ budget: 2, held: "storm-guard", replace: [] });
    expect(decide(fleet(10, NEW), rollout(), true).held).toBeNull();
  });

  it("the ladder leaves a rolled host alone while ESS removes it", () => {
    // Rolled 20 minutes ago and silent since: past the heartbeat timeout.
    const rolled = host({ generation: OLD, rolloutReplacedAt: at(40), lastReportAt: at(40) });
    const plan = planRemediation([rolled, ...fleet(4, NEW, 2)], contextAt(NOW));
    expect(plan).toMatchObject({ total: 4, unhealthy: 0, actions: [], unhealthyHosts: [] });
    // Had the replace not taken after the rollout timeout, it is judged again.
    const later = NOW + rolloutTimeoutMs(settings);
    const fresh = fleet(4, NEW, 2).map((h) => ({ ...h, lastReportAt: later }));
    expect(planRemediation([rolled, ...fresh], contextAt(later)).actions).toEqual([
      expect.objectContaining({ host: rolled, step: expect.objectContaining({ kind: "reboot" }) }),
    ]);
  });
});
