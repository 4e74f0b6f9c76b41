// With no identity signing certificate (or account, or region) and the fleet token's
// fallback off, no host can register, so none can report: the host-manager holds the
// fleet as in a freeze rather than remediate hosts that are silent through its own
// configuration. A silent fleet then gets no reboot or replace; the cycle, the page's
// facts and /metrics say why.
import { SimulatedCloud } from "../../src/adapters/cloud/simulated";
import { MINUTE } from "../support/fixtures";
import { startTestService, type TestService } from "../support/service";

let t: TestService | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * Ten hosts that never report, past their start-up timeout; the cycle's record. The storm
 * guard's cap is lifted, so it is the hold, not the guard, that keeps the fleet.
 */
async function silentFleet(env: Record<string, string>) {
  const cloud = { current: undefined as SimulatedCloud | undefined };
  t = await startTestService({
    env: { HOST_MANAGER_MAX_UNHEALTHY: "100%", ...env },
    cloud: (clock) => (cloud.current = new SimulatedCloud(10, clock)),
  });
  t.clock.advanceMs(25 * MINUTE);
  const summary = await t.service.healthCheck.run();
  return { summary, events: (cloud.current as SimulatedCloud).events };
}

describe("a host-manager no host can register with", () => {
  it("holds the fleet: silent hosts are listed, none is rebooted, and it says why", async () => {
    const { summary, events } = await silentFleet({ HOST_MANAGER_FLEET_TOKEN_FALLBACK: "false" });
    expect(summary.unhealthyHosts).toHaveLength(10);
    expect(summary.frozen).toMatchObject({
      by: "host-manager",
      reason: expect.stringMatching(/registration is not configured/),
    });
    expect(summary.heldByFreeze?.length).toBe(summary.unhealthyHosts.length);
    expect(summary.actions).toEqual([]);
    expect(events).toEqual([]);
    const metrics = await t?.service.app.inject({ url: "/metrics", headers: t.viewer });
    expect(metrics?.body).toMatch(/^host_manager_frozen 1$/m);
  });

  it("acts as ever once hosts can report: the fleet token's fallback on", async () => {
    const { summary, events } = await silentFleet({ HOST_MANAGER_FLEET_TOKEN_FALLBACK: "true" });
    expect(summary.frozen).toBeUndefined();
    expect(events.length).toBeGreaterThan(0);
  });
});
