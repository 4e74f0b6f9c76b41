// Issue 17: any holder of the fleet token could report for any instance. Until hosts
// have their own credentials, a report is taken only from the instance's own private
// address: the TCP peer must be the inventory's private IP. Over real sockets from
// loopback aliases (127.0.0.2 and 127.0.0.3 stand for two hosts; no network involved).
import type { CloudDriver, CloudInstance } from "../../../src/domain/cloud";
import { T0, report } from "../../support/fixtures";
import { rawRequest } from "../../support/http";
import { startTestService, type TestService } from "../../support/service";

/** Two hosts whose private IPs are loopback aliases, so a test can speak from each. */
class LoopbackGroup implements CloudDriver {
  readonly name = "loopback";
  async listInstances(): Promise<CloudInstance[]> {
    return ["127.0.0.2", "127.0.0.3"].map((privateIp, i) => ({
      instanceId: `i-lo-000${i + 2}`,
      privateIp,
      createdAt: T0,
      lifecycleState: "InService",
      generation: null,
    }));
  }
  async rebootInstance(): Promise<void> {}
  async replaceInstance(): Promise<void> {}
}

describe("a report's origin", () => {
  let t: TestService;
  let url: string;
  afterEach(() => t.close());

  const start = async (loopbackReports: boolean) => {
    t = await startTestService({ cloud: () => new LoopbackGroup(), service: { loopbackReports } });
    url = await t.listen();
  };
  const post = (from: string, instanceId: string, privateIp: string) =>
    rawRequest(`${url}/rpc/v1/status`, {
      method: "POST",
      headers: { ...t.auth, "content-type": "application/json" },
      body: JSON.stringify(report(instanceId, { privateIp })),
      localAddress: from,
    });

  it("is accepted from the instance's own private IP", async () => {
    await start(false);
    expect((await post("127.0.0.2", "i-lo-0002", "127.0.0.2")).status).toBe(200);
    expect(t.service.store.get("i-lo-0002")?.lastReportAt).toBe(t.clock.now());
  });

  it.each([
    ["another host, naming the instance's IP", "127.0.0.3", "127.0.0.2"],
    ["another host, naming its own IP", "127.0.0.3", "127.0.0.3"],
    ["this machine", "127.0.0.1", "127.0.0.2"],
  ])("is refused with 403 naming privateIp from %s", async (_name, from, claimed) => {
    await start(false);
    const res = await post(from, "i-lo-0002", claimed);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ field: "privateIp" });
    expect(t.service.store.get("i-lo-0002")?.lastReportAt).toBeNull();
  });

  it("is accepted from loopback for any instance only with loopbackReports (tests, dev)", async () => {
    await start(true);
    expect((await post("127.0.0.1", "i-lo-0002", "127.0.0.2")).status).toBe(200);
    // The inventory's IP is still checked.
    expect((await post("127.0.0.1", "i-lo-0002", "127.0.0.3")).status).toBe(403);
  });
});
