// End to end on an accelerated clock: the service with the real Alibaba Cloud
// driver against a fake ECS/ESS holding 1,000 instances, and simulated hosts
// reporting over the HTTP API. 5% never start and 2% go silent later: exactly
// those are remediated. Then 40% fail at once, and the storm guard holds.
import type { FakeInstance } from "../support/fake-alicloud";
import { T0, viewerAuth } from "../support/fixtures";
import { seededRandom } from "../../src/simulation/random";
import { FleetSimulation, HEARTBEAT_MINUTES, type SimHost } from "../support/simulation";

const FLEET = 1000;
const BOOT_MINUTES = 3;

type Behaviour = "healthy" | "never-starts" | "dies-later";

interface BehavingHost extends SimHost {
  behaviour: Behaviour;
}

describe("end-to-end simulation", () => {
  const rnd = seededRandom(42);
  const sim = new FleetSimulation<BehavingHost>();
  const { fake } = sim;

  const add = (instance: FakeInstance, behaviour: Behaviour) => {
    const bootDelay = 2 + Math.floor(rnd() * 6);
    sim.hosts.set(instance.instanceId, {
      instance,
      behaviour,
      upFrom: behaviour === "never-starts" ? Infinity : sim.minute() + bootDelay,
      silentFrom: behaviour === "dies-later" ? 40 + Math.floor(rnd() * 20) : Infinity,
      phase: Math.floor(rnd() * HEARTBEAT_MINUTES),
    });
  };

  beforeAll(async () => {
    const instances = Array.from({ length: FLEET }, () => fake.launch(T0));
    // Shuffle deterministically, then pick 5% that never start and 2% that die later.
    const order = [...instances].sort(() => rnd() - 0.5);
    order.forEach((instance, i) =>
      add(instance, i < 50 ? "never-starts" : i < 70 ? "dies-later" : "healthy"),
    );
    // ESS launches a healthy replacement; a rebooted host that merely went silent comes back.
    fake.onLaunch = (instance) => add(instance, "healthy");
    fake.onReboot = (id) => {
      const host = sim.hosts.get(id);
      if (!host || host.behaviour === "never-starts") return;
      host.upFrom = sim.minute() + BOOT_MINUTES;
      host.silentFrom = Infinity;
    };
    await sim.startService({
      HOST_MANAGER_MAX_UNHEALTHY: "10%",
      HOST_MANAGER_REPLACE_MODE: "remove",
    });
  });

  afterAll(() => sim.close());

  const touched = () => new Set([...fake.reboots, ...fake.replaced.map((r) => r.instanceId)]);
  const idsOf = (behaviour: Behaviour) =>
    [...sim.hosts.values()]
      .filter((h) => h.behaviour === behaviour && h.instance.createdAt === T0)
      .map((h) => h.instance.instanceId);

  it("remediates exactly the hosts that never started or went silent", async () => {
    await sim.runUntil(150);
    const { service } = sim;
    const neverStarted = idsOf("never-starts");
    const diedLater = idsOf("dies-later");
    expect(neverStarted).toHaveLength(50);
    expect(diedLater).toHaveLength(20);
    expect([...touched()].sort()).toEqual([...neverStarted, ...diedLater].sort());
    // The ladder: hosts that never started were rebooted once, then replaced once.
    for (const id of neverStarted) {
      expect(fake.reboots.filter((r) => r === id)).toHaveLength(1);
      expect(fake.replaced.filter((r) => r.instanceId === id)).toHaveLength(1);
    }
    // Hosts that went silent came back after one reboot and were never replaced.
    for (const id of diedLater) {
      expect(fake.reboots.filter((r) => r === id)).toHaveLength(1);
      expect(fake.replaced.some((r) => r.instanceId === id)).toBe(false);
      expect(service.store.get(id)).toMatchObject({ remediationState: "none", status: 2 });
      expect(service.store.events(id).map((e) => e.action)).toEqual(["recovered", "reboot"]);
    }
    expect(fake.replaced.every((r) => r.via === "RemoveInstances")).toBe(true);
    // The fleet is whole and healthy again; the replaced instances are archived, not deleted.
    const last = service.cycles.latest(1)[0];
    expect(last).toMatchObject({ total: FLEET, unhealthy: 0, stormGuardOpen: false });
    expect(service.store.listActive()).toHaveLength(FLEET);
    expect(
      service.store
        .listAll()
        .filter((h) => h.archivedAt !== null)
        .map((h) => h.instanceId)
        .sort(),
    ).toEqual([...neverStarted].sort());
  });

  it("holds the storm guard when 40% of the fleet fails at once", async () => {
    const { service } = sim;
    const before = { reboots: fake.reboots.length, replaced: fake.replaced.length };
    const live = sim.inGroup();
    const storm = live.sort(() => rnd() - 0.5).slice(0, FLEET * 0.4);
    const stormStart = sim.minute();
    storm.forEach((h) => (h.silentFrom = stormStart));
    const guardSeen: boolean[] = [];
    await sim.runUntil(stormStart + 45, {
      afterMinute: (m, cycled) => {
        if (cycled && m > stormStart + 10) {
          guardSeen.push(service.cycles.latest(1)[0].stormGuardOpen);
        }
      },
    });
    expect(guardSeen.length).toBeGreaterThanOrEqual(6);
    expect(guardSeen.every(Boolean)).toBe(true);
    expect({ reboots: fake.reboots.length, replaced: fake.replaced.length }).toEqual(before);
    // Operators can see the guard and which hosts tripped it.
    const res = await service.app.inject({
      method: "GET",
      url: "/api/v1/health-check?limit=1",
      headers: viewerAuth,
    });
    const view = res.json();
    expect(view.stormGuardOpen).toBe(true);
    expect(view.cycles[0]).toMatchObject({ unhealthy: 400, maxUnhealthy: 100, actions: [] });
    expect(
      view.cycles[0].unhealthyHosts.map((u: { instanceId: string }) => u.instanceId).sort(),
    ).toEqual(storm.map((h) => h.instance.instanceId).sort());
    // When they come back, the guard closes and nothing was ever done to them.
    storm.forEach((h) => (h.silentFrom = Infinity));
    await sim.runUntil(sim.minute() + 10);
    expect(service.cycles.latest(1)[0]).toMatchObject({
      stormGuardOpen: false,
      unhealthy: 0,
      actions: [],
    });
    expect({ reboots: fake.reboots.length, replaced: fake.replaced.length }).toEqual(before);
  });
});
