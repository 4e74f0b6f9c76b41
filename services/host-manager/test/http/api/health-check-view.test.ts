// Issue 17: GET /api/v1/health-check?limit=200 sent every recorded cycle whole, and a
// storm cycle lists every host: over 100 MB at 10,000 hosts. Over real HTTP, with cycles
// that each list 3,000 unhealthy hosts: the lists are cut, their lengths said, and the
// response stays small whatever the limit.
import { listedPerCycle } from "../../../src/adapters/storage/cycle-digests";
import type { CycleSummary } from "../../../src/domain/cycle";
import { startTestService, type TestService } from "../../support/service";

const CYCLES = 30;
const LISTED = 3_000;

function stormCycle(n: number, at: number): CycleSummary {
  const ids = Array.from(
    { length: LISTED },
    (_, i) => `i-storm-${n}-${String(i).padStart(5, "0")}`,
  );
  return {
    startedAt: at,
    finishedAt: at + 1,
    total: LISTED,
    healthy: 0,
    unhealthy: LISTED,
    remediating: 0,
    failed: 0,
    outdated: 0,
    maxUnhealthy: 100,
    stormGuardOpen: true,
    dryRun: false,
    inventory: { added: 0, archived: 0, restored: 0 },
    actions: ids.map((instanceId) => ({
      instanceId,
      action: "reboot" as const,
      reason: "heartbeat-timeout",
      outcome: "skipped" as const,
    })),
    recovered: ids,
    unhealthyHosts: ids.map((instanceId) => ({ instanceId, reason: "heartbeat-timeout" })),
  };
}

describe("GET /api/v1/health-check with storm cycles recorded", () => {
  let t: TestService;
  let url: string;
  beforeAll(async () => {
    t = await startTestService();
    url = await t.listen();
    for (let n = 0; n < CYCLES; n++) t.service.cycles.add(stormCycle(n, t.clock.now() + n * 1000));
  });
  afterAll(() => t.close());

  const get = async (limit: number) => {
    const res = await fetch(`${url}/api/v1/health-check?limit=${limit}`, { headers: t.viewer });
    const text = await res.text();
    return { status: res.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
  };

  it.each([1, 10, 200])(
    "cuts each cycle's lists at limit=%i and says how long they were",
    async (limit) => {
      const { status, bytes, body } = await get(limit);
      expect(status).toBe(200);
      expect(body.cycles).toHaveLength(Math.min(limit, CYCLES));
      // Unbounded, limit=200 here was over 10 MB.
      expect(bytes).toBeLessThan(1_500_000);
      const newest = body.cycles[0];
      expect(newest.startedAt).toBe(new Date(t.clock.now() + (CYCLES - 1) * 1000).toISOString());
      expect(newest.listTotals).toEqual({
        actions: LISTED,
        recovered: LISTED,
        unhealthyHosts: LISTED,
      });
      expect(newest.unhealthyHosts).toHaveLength(listedPerCycle(limit));
      expect(newest.unhealthyHosts[0]).toEqual({
        instanceId: `i-storm-${CYCLES - 1}-00000`,
        reason: "heartbeat-timeout",
      });
      expect(newest.unhealthy).toBe(LISTED);
    },
  );
});
