// Rolling replacement end to end on an accelerated clock: the service with the real
// Alibaba Cloud driver against a fake ECS/ESS of 100 hosts tagged with generation A.
// Pulumi changes the scaling configuration (generation B) and restarts the manager
// with the new generation; ESS launches replacements as B. The fleet converges to all
// B, replacing each A host once, while the hosts running their client never drop
// below the minimum healthy share, at any minute.
import { GENERATION_TAG_KEY } from "../support/fake-alicloud";
import { MINUTE, T0, viewerAuth } from "../support/fixtures";
import { seededRandom } from "../../src/simulation/random";
import { FleetSimulation, HEARTBEAT_MINUTES } from "../support/simulation";

const FLEET = 100;
const MIN_HEALTHY = 80;
const GEN_A = "a0a0a0a0a0a0a0a0";
const GEN_B = "b1b1b1b1b1b1b1b1";

describe("rolling replacement end to end", () => {
  const rnd = seededRandom(7);
  const sim = new FleetSimulation();
  const { fake } = sim;
  /** Hosts running their client at each simulated minute. */
  const runningByMinute: number[] = [];

  const env = (generation: string) => ({
    HOST_MANAGER_FLEET_GENERATION: generation,
    HOST_MANAGER_MIN_HEALTHY_PERCENTAGE: String(MIN_HEALTHY),
  });

  beforeAll(async () => {
    // Every launch, first or replacement, boots in 2-7 minutes and then reports.
    fake.onLaunch = (instance) =>
      sim.hosts.set(instance.instanceId, {
        instance,
        upFrom: sim.minute() + 2 + Math.floor(rnd() * 6),
        silentFrom: Infinity,
        phase: Math.floor(rnd() * HEARTBEAT_MINUTES),
      });
    fake.generation = GEN_A;
    for (let i = 0; i < FLEET; i++) fake.launch(T0);
    await sim.startService(env(GEN_A));
  });

  afterAll(() => sim.close());

  const runningNow = () => sim.inGroup().filter((h) => sim.minute() >= h.upFrom).length;
  const simulateUntil = (endMinute: number, until?: () => boolean) =>
    sim.runUntil(endMinute, { until, afterMinute: () => runningByMinute.push(runningNow()) });

  it("runs generation A steadily: nothing outdated, nothing replaced", async () => {
    await simulateUntil(30);
    const last = sim.service.cycles.latest(1)[0];
    expect(last).toMatchObject({ total: FLEET, unhealthy: 0, outdated: 0, actions: [] });
    expect(last.rollout).toMatchObject({ generation: GEN_A, budget: FLEET - MIN_HEALTHY });
    expect(sim.service.store.listActive().every((h) => h.generation === GEN_A)).toBe(true);
    expect(fake.replaced).toEqual([]);
  });

  it("converges to generation B without dropping below the healthy share", async () => {
    // `pulumi up`: the scaling configuration now tags new instances B, and the manager
    // restarts with the new generation.
    await sim.stopService();
    fake.generation = GEN_B;
    const service = await sim.startService(env(GEN_B));
    const rolloutStart = runningByMinute.length;
    const converged = () => {
      const last = service.cycles.latest(1)[0];
      return last.finishedAt > T0 + 30 * MINUTE && last.outdated === 0 && runningNow() === FLEET;
    };
    await simulateUntil(30 + 180, converged);
    expect(converged()).toBe(true);

    // Never below the floor, at any minute; and the floor was not merely kept, it was used.
    const during = runningByMinute.slice(rolloutStart);
    expect(Math.min(...during)).toBeGreaterThanOrEqual(MIN_HEALTHY);
    expect(Math.min(...during)).toBeLessThan(FLEET);

    // Each A host was replaced exactly once, by the rollout, and nothing else was done.
    const aHosts = [...sim.hosts.values()]
      .filter((h) => h.instance.tags[GENERATION_TAG_KEY] === GEN_A)
      .map((h) => h.instance.instanceId);
    expect(aHosts).toHaveLength(FLEET);
    expect(fake.replaced.map((r) => r.instanceId).sort()).toEqual([...aHosts].sort());
    expect(fake.reboots).toEqual([]);
    const cycles = service.cycles.latest(200).filter((c) => c.rollout?.generation === GEN_B);
    const actions = cycles.flatMap((c) => c.actions);
    expect(actions).toHaveLength(FLEET);
    expect(actions.every((a) => a.action === "rollout-replace" && a.outcome === "ok")).toBe(true);
    // No cycle asked for more than its budget; the outdated count only ever fell.
    for (const cycle of cycles) {
      expect(cycle.actions.length).toBeLessThanOrEqual(cycle.rollout?.budget ?? 0);
      expect(cycle.rollout?.healthy ?? 0).toBeGreaterThanOrEqual(MIN_HEALTHY);
    }
    const outdated = cycles.map((c) => c.outdated ?? 0).reverse();
    expect(outdated[0]).toBe(FLEET);
    expect(outdated.every((n, i) => i === 0 || n <= outdated[i - 1])).toBe(true);
    // The first cycle could replace 20 at once; it took several cycles in all.
    expect(cycles.length).toBeGreaterThanOrEqual(FLEET / (FLEET - MIN_HEALTHY));

    // The registry: 100 B hosts in service, the A hosts archived with their history.
    const active = service.store.listActive();
    expect(active).toHaveLength(FLEET);
    expect(active.every((h) => h.generation === GEN_B && h.remediationState === "none")).toBe(true);
    const someA = aHosts[0] as string;
    expect(service.store.get(someA)?.archivedAt).not.toBeNull();
    expect(service.store.events(someA)).toEqual([
      expect.objectContaining({ action: "rollout-replace", outcome: "ok" }),
    ]);
  });

  it("shows the rollout in the API and on the status page", async () => {
    const { service } = sim;
    const auth = viewerAuth;
    const api = await service.app.inject({ url: "/api/v1/health-check?limit=1", headers: auth });
    expect(api.json().cycles[0]).toMatchObject({
      outdated: 0,
      rollout: { generation: GEN_B, minHealthyPercentage: MIN_HEALTHY, inFlight: 0 },
    });
    const hostsView = await service.app.inject({ url: "/api/v1/hosts", headers: auth });
    expect(hostsView.json().hosts[0]).toMatchObject({ generation: GEN_B, rolloutReplacedAt: null });
    const page = await service.app.inject({ url: "/", headers: auth });
    expect(page.body).toMatch(/<span data-outdated>0 outdated<\/span>/);
  });
});
