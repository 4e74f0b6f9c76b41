// Issue 17: at 10,000 hosts each page of the host list cost about 13 ms of the event
// loop once per snapshot, and four operators walking the list stacked those builds in
// front of the hosts' reports (the fleet rate's p99 over 40 s: 59 to 71 ms). While the
// list is read, each background rebuild now serialises every host a batch at a time,
// and a page is a join of ready strings. Over real HTTP, with a real store.
import { simInstanceId, simPrivateIp } from "../../../src/adapters/cloud/simulated";
import { hostJsonOf } from "../../../src/http/api/host-json";
import { report } from "../../support/fixtures";
import type { TestService } from "../../support/service";
import { startSnapshotService } from "../../support/snapshot-service";

const FLEET = 1_200;
const WITH_HISTORY = simInstanceId(7);
const REPORTING = simInstanceId(8);

interface Page {
  generatedAt: string;
  count: number;
  total: number;
  nextCursor: string | null;
  hosts: {
    instanceId: string;
    load: unknown;
    remediation: { history: unknown[] };
  }[];
}

describe("host list pages from a snapshot serialised in the background", () => {
  let t: TestService;
  let url: string;
  let rebuilt: () => Promise<void>;
  let readOnly: (...paths: string[]) => Promise<void>;
  beforeEach(async () => {
    const started = await startSnapshotService(FLEET);
    ({ t, url, rebuilt, readOnly } = started);
    for (let i = 0; i < 3; i++) {
      t.service.store.addEvent({
        instanceId: WITH_HISTORY,
        at: t.clock.now() - 1_000 + i,
        action: "reboot",
        outcome: "ok",
        reason: "heartbeat-timeout",
        detail: null,
      });
    }
    await started.report(
      report(REPORTING, { cpuPercent: 97, memoryAvailablePercent: 12, privateIp: simPrivateIp(8) }),
    );
  });
  afterEach(() => t.close());

  const allPages = async () => {
    const pages: { text: string; body: Page }[] = [];
    let cursor: string | null = null;
    do {
      const res = await fetch(
        `${url}/api/v1/hosts?limit=500${cursor === null ? "" : `&cursor=${cursor}`}`,
        { headers: t.viewer },
      );
      expect(res.status).toBe(200);
      const text = await res.text();
      const body = JSON.parse(text) as Page;
      pages.push({ text, body });
      cursor = body.nextCursor;
    } while (cursor !== null);
    return pages;
  };
  const spyOnHistory = () => [
    jest.spyOn(t.service.store, "recentEvents"),
    jest.spyOn(t.service.store.load, "recent"),
  ];

  it("serves every page of a rebuilt snapshot with no query, the same hosts as built on demand", async () => {
    // A snapshot rebuilt before anyone read the list has no host JSON: its pages build
    // their own (from the records it holds, which are after the report).
    await rebuilt();
    const onDemand = await allPages();
    await rebuilt();
    const queries = spyOnHistory();
    const prepared = await allPages();
    for (const query of queries) expect(query).not.toHaveBeenCalled();

    expect(prepared.map((p) => p.body.count)).toEqual([500, 500, 200]);
    expect(prepared.map((p) => p.body.total)).toEqual([FLEET, FLEET, FLEET]);
    // The same hosts, history and load as the pages built on demand; only the time moved.
    const hostsOf = (pages: typeof onDemand) => pages.flatMap((p) => p.body.hosts);
    expect(hostsOf(prepared)).toEqual(hostsOf(onDemand));
    const withHistory = hostsOf(prepared).find((h) => h.instanceId === WITH_HISTORY);
    expect(withHistory?.remediation.history).toHaveLength(3);
    const reporting = hostsOf(prepared).find((h) => h.instanceId === REPORTING);
    expect(reporting?.load).toMatchObject({ cpuPercent: 97, memoryAvailablePercent: 12 });
    expect(prepared[0].body.generatedAt).toBe(new Date(t.clock.now()).toISOString());
    // What JSON.stringify writes for the parsed page: the envelope is not hand-made wrong.
    for (const page of prepared) expect(page.text).toBe(JSON.stringify(page.body));
  });

  it("holds, for each active host in order, what the host list writes for it", async () => {
    await allPages();
    await rebuilt();
    const view = t.service.snapshot.current();
    const serialised = view.serialisedHosts();
    expect(serialised?.length).toBe(FLEET);
    expect(serialised?.elements(0, FLEET).toString()).toBe(
      hostJsonOf(t.service.store, view.hosts, view.context).join(","),
    );
  });

  it("serialises hosts while the list was read lately, and no longer once it is not", async () => {
    await allPages();
    // Rebuilds without a read in between: an operator's script that walks the list
    // less often than the snapshot's age still finds it serialised.
    for (let i = 0; i < 3; i++) {
      await rebuilt();
      expect(t.service.snapshot.current().serialisedHosts()?.length).toBe(FLEET);
    }
    // Only the status page and a scrape are read from here on.
    await readOnly("/", "/metrics");
    const queries = spyOnHistory();
    await rebuilt();
    // The history is read only to serialise hosts (the load is read for saturation too).
    expect(queries[0]).not.toHaveBeenCalled();
    expect(t.service.snapshot.current().serialisedHosts()).toBeUndefined();
  });
});
