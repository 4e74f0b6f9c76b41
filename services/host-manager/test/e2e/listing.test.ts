// A listing that does not add up is not believed: on the real driver against a fake ESS
// whose DescribeScalingInstances loses rows (a first page shorter than the total) or
// leaves TotalCount out, the cycle records an inventory error and archives nothing; the
// hosts' reports are still taken, and nothing is done to them when the listing recovers.
import { T0 } from "../support/fixtures";
import { FleetSimulation, HEARTBEAT_MINUTES } from "../support/simulation";

const FLEET = 120;

describe("a listing that does not add up", () => {
  const sim = new FleetSimulation();
  const { fake } = sim;

  beforeAll(async () => {
    fake.onLaunch = (instance) =>
      sim.hosts.set(instance.instanceId, {
        instance,
        upFrom: sim.minute() + 2,
        silentFrom: Infinity,
        phase: sim.hosts.size % HEARTBEAT_MINUTES,
      });
    for (let i = 0; i < FLEET; i++) fake.launch(T0);
    await sim.startService();
    await sim.runUntil(30);
  });

  afterAll(() => sim.close());

  it.each([
    ["a first page shorter than the total", () => (fake.listing.essFirstPageRows = 10)],
    ["pages without TotalCount", () => (fake.listing.essOmitTotalCount = true)],
  ])(
    "%s archives nothing, refuses no report, and leaves the hosts alone",
    async (_name, breakIt) => {
      const { service } = sim;
      const start = sim.minute();
      breakIt();
      // Every host keeps reporting through it (the simulation fails on any report not taken).
      await sim.runUntil(start + 30);
      const during = service.cycles.latest(6);
      expect(during.every((c) => c.error?.startsWith("inventory:"))).toBe(true);
      expect(during.every((c) => c.inventory.archived === 0 && c.actions.length === 0)).toBe(true);
      expect(service.store.listActive()).toHaveLength(FLEET);

      fake.listing.essFirstPageRows = undefined;
      fake.listing.essOmitTotalCount = false;
      await sim.runUntil(start + 60);
      const after = service.cycles.latest(1)[0];
      expect(after).toMatchObject({ total: FLEET, unhealthy: 0, actions: [] });
      expect(after?.error).toBeUndefined();
      expect(service.store.listAll().filter((h) => h.archivedAt !== null)).toEqual([]);
      expect(fake.reboots).toEqual([]);
      expect(fake.replaced).toEqual([]);
    },
  );
});
