// The HTTP API: auth on everything but /healthz, validation that names the field,
// refusal of instances outside the fleet, and 500+ hostile bodies that change nothing.
import type { CloudDriver, CloudInstance } from "../../../src/domain/cloud";
import { SimulatedCloud } from "../../../src/adapters/cloud/simulated";
import { report, TOKEN } from "../../support/fixtures";
import { startTestService, type TestService } from "../../support/service";

describe("API", () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(() => t.close());

  const post = (body: unknown, headers: Record<string, string> = t.auth) =>
    t.service.app.inject({
      method: "POST",
      url: "/rpc/v1/status",
      headers,
      payload: body as object,
    });

  it("/healthz needs no token and checks the database", async () => {
    const res = await t.service.app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it("/healthz answers 503 when the database does not", async () => {
    t.service.db.close();
    const res = await t.service.app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ok: false, error: "database unavailable" });
  });

  it.each([
    ["no header", {}],
    ["a wrong token", { authorization: `Bearer ${TOKEN}x` }],
    ["a token prefix", { authorization: `Bearer ${TOKEN.slice(0, 31)}` }],
    ["another scheme", { authorization: `Basic ${TOKEN}` }],
    ["the bare token", { authorization: TOKEN }],
  ])("answers 401 on every other route with %s", async (_name, headers) => {
    for (const [method, url] of [
      ["POST", "/rpc/v1/status"],
      ["GET", "/api/v1/hosts"],
      ["GET", "/api/v1/health-check"],
      ["GET", "/nope"],
    ] as const) {
      const res = await t.service.app.inject({
        method,
        url,
        headers,
        payload: method === "POST" ? report("i-sim-0001") : undefined,
      });
      expect(res.statusCode).toBe(401);
    }
  });

  it("accepts a report and a heartbeat, and shows them on /api/v1/hosts", async () => {
    const ip = "10.0.0.5"; // i-sim-0001's address in the simulated cloud
    const first = await post(report("i-sim-0001", { privateIp: ip, status: 1 }));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ ok: true });
    t.clock.advanceMinutes(2);
    expect((await post(report("i-sim-0001", { privateIp: ip }))).statusCode).toBe(200);
    const hosts = await t.service.app.inject({
      method: "GET",
      url: "/api/v1/hosts",
      headers: t.viewer,
    });
    const h = hosts.json().hosts.find((x: { instanceId: string }) => x.instanceId === "i-sim-0001");
    expect(h).toMatchObject({
      status: 2,
      statusName: "running",
      logicalCpus: 8,
      physicalCpus: 4,
      clientVersion: "1.2.3",
      hostname: "hpc-0001",
      lastSeenAt: new Date(t.clock.now()).toISOString(),
      statusSince: new Date(t.clock.now()).toISOString(),
      health: { judged: true, healthy: true },
      remediation: { state: "none", attempts: 0, history: [] },
    });
    expect(hosts.json().count).toBe(10);
  });

  it("accepts the body without the optional fields", async () => {
    const {
      clientVersion: _v,
      hostname: _h,
      ...minimal
    } = report("i-sim-0002", { privateIp: "10.0.0.6" });
    expect((await post(minimal)).statusCode).toBe(200);
  });

  it.each([
    [{ status: 0 }, "status"],
    [{ status: 5 }, "status"],
    [{ status: "2" }, "status"],
    [{ instanceId: "vm-1" }, "instanceId"],
    [{ privateIp: "10.0.0.300" }, "privateIp"],
    [{ mac: "00:16:3e" }, "mac"],
    [{ logicalCpus: 0 }, "logicalCpus"],
    [{ physicalCpus: 16 }, "physicalCpus"],
  ])("answers 400 naming the field for %p", async (change, field) => {
    const res = await post(report("i-sim-0001", change));
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe(field);
  });

  it("refuses a report from an instance outside the fleet", async () => {
    const res = await post(report("i-stranger"));
    expect(res.statusCode).toBe(403);
    expect(t.service.store.get("i-stranger")).toBeUndefined();
  });

  it("refuses a report whose privateIp is not the instance's", async () => {
    const res = await post(report("i-sim-0001", { privateIp: "10.9.9.9" }));
    expect(res.statusCode).toBe(403);
    expect(res.json().field).toBe("privateIp");
  });

  it("refuses oversized bodies", async () => {
    const res = await post({ ...report("i-sim-0001"), padding: "x".repeat(10_000) });
    expect(res.statusCode).toBe(413);
  });
});

describe("inventory refresh on a miss", () => {
  class CountingCloud implements CloudDriver {
    readonly name = "counting";
    calls = 0;
    extra: CloudInstance[] = [];
    constructor(private readonly inner: SimulatedCloud) {}
    async listInstances() {
      this.calls++;
      return [...(await this.inner.listInstances()), ...this.extra];
    }
    rebootInstance(id: string) {
      return this.inner.rebootInstance(id);
    }
    replaceInstance(id: string) {
      return this.inner.replaceInstance(id, "remove");
    }
  }

  let t: TestService | undefined;
  afterEach(() => t?.close());

  it("learns a new instance from the cloud, but refreshes at most once per interval", async () => {
    let cloud: CountingCloud | undefined;
    t = await startTestService({
      cloud: (clock) => (cloud = new CountingCloud(new SimulatedCloud(2, clock))),
    });
    const { clock, service, auth } = t;
    const c = cloud as CountingCloud;
    const before = c.calls;
    c.extra.push({
      instanceId: "i-new",
      privateIp: "10.0.9.9",
      createdAt: clock.now(),
      lifecycleState: "InService",
      generation: null,
    });
    const post = (id: string, ip: string) =>
      service.app.inject({
        method: "POST",
        url: "/rpc/v1/status",
        headers: auth,
        payload: report(id, { privateIp: ip }),
      });
    expect((await post("i-new", "10.0.9.9")).statusCode).toBe(200);
    expect(c.calls).toBe(before + 1);
    const misses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(`i-fake${i}`, "10.0.0.1")),
    );
    expect(misses.every((r) => r.statusCode === 403)).toBe(true);
    expect(c.calls).toBe(before + 1);
    clock.advanceMinutes(1);
    expect((await post("i-fake-later", "10.0.0.1")).statusCode).toBe(403);
    expect(c.calls).toBe(before + 2);
  });
});
