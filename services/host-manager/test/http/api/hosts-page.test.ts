// Issue 17: the host list read every host, and one history query per host, per request.
// Over real HTTP: bounded pages in a stable order behind an opaque cursor, the history of
// a page in one query, and the existing fields (hosts, count) kept.
import { SimulatedCloud, simInstanceId } from "../../../src/adapters/cloud/simulated";
import { startTestService, type TestService } from "../../support/service";

const FLEET = 1_200;

interface Page {
  count: number;
  total: number;
  nextCursor: string | null;
  hosts: { instanceId: string; remediation: { history: { at: string }[] } }[];
}

describe("GET /api/v1/hosts, paged", () => {
  let t: TestService;
  let url: string;
  beforeAll(async () => {
    t = await startTestService({ cloud: (clock) => new SimulatedCloud(FLEET, clock) });
    url = await t.listen();
    for (let i = 0; i < 12; i++) {
      t.service.store.addEvent({
        instanceId: simInstanceId(7),
        at: t.clock.now() + i,
        action: "reboot",
        outcome: "ok",
        reason: "heartbeat-timeout",
        detail: null,
      });
    }
  });
  afterAll(() => t.close());

  const get = async (query: string) => {
    const res = await fetch(`${url}/api/v1/hosts${query}`, { headers: t.viewer });
    return { status: res.status, body: (await res.json()) as Page & { field?: string } };
  };

  it("serves 100 hosts by default, and every host exactly once across the pages", async () => {
    const first = await get("");
    expect(first.status).toBe(200);
    expect(first.body.count).toBe(100);
    expect(first.body.hosts).toHaveLength(100);
    expect(first.body.total).toBe(FLEET);

    const recentEvents = jest.spyOn(t.service.store, "recentEvents");
    const events = jest.spyOn(t.service.store, "events");
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: Page } = await get(
        `?limit=500${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.hosts.length).toBeLessThanOrEqual(500);
      seen.push(...page.body.hosts.map((h) => h.instanceId));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: FLEET }, (_, i) => simInstanceId(i + 1)));
    // One history query per page, none per host.
    expect(recentEvents).toHaveBeenCalledTimes(3);
    expect(events).not.toHaveBeenCalled();
    recentEvents.mockRestore();
    events.mockRestore();
  });

  it("shows each host's 10 newest remediation events, newest first", async () => {
    const { body } = await get("?limit=10");
    const host = body.hosts.find((h) => h.instanceId === simInstanceId(7));
    const times = host?.remediation.history.map((e) => Date.parse(e.at));
    expect(times).toEqual(Array.from({ length: 10 }, (_, i) => t.clock.now() + 11 - i));
    expect(body.hosts.find((h) => h.instanceId === simInstanceId(8))?.remediation.history).toEqual(
      [],
    );
  });

  it.each([
    ["?limit=501", "limit"],
    ["?limit=0", "limit"],
    ["?cursor=not-a-cursor", "cursor"],
    [`?cursor=${Buffer.from("i-sim-0001").toString("base64url")}`, "cursor"],
  ])("answers 400 naming the field for %s", async (query, field) => {
    const { status, body } = await get(query);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
  });
});
