// Issue 17: one cosmetic field sank the heartbeat. A clientVersion or hostname that does
// not fit is stored as null and counted, over real HTTP; the report is still a 200.
import { report } from "../../support/fixtures";
import { eachListening } from "../../support/service";

const service = eachListening();
const post = service.postReport;

describe("a report with an optional field that does not fit", () => {
  it.each([
    ["a 65-character clientVersion", { clientVersion: "x".repeat(65) }, "clientVersion"],
    ["a non-ASCII clientVersion", { clientVersion: "版本-1.2" }, "clientVersion"],
    ["a host name with an underscore", { hostname: "hpc_0001" }, "hostname"],
    ["a 64-character host name", { hostname: "h".repeat(64) }, "hostname"],
  ])("is accepted with %s, which is stored as null and counted", async (_name, bad, field) => {
    // A good report first, so the null is seen to replace a value.
    expect((await post(report("i-sim-0001"))).status).toBe(200);
    service.t.clock.advanceMinutes(1);
    const res = await post(report("i-sim-0001", bad));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const stored = service.t.service.store.get("i-sim-0001");
    expect(stored?.[field as "hostname" | "clientVersion"]).toBeNull();
    expect(stored?.lastReportAt).toBe(service.t.clock.now());
    const metrics = await (
      await fetch(`${service.url}/metrics`, { headers: service.t.viewer })
    ).text();
    expect(metrics).toContain(`host_manager_report_fields_dropped_total{field="${field}"} 1`);
  });

  it("still answers 400 naming a required field that does not fit", async () => {
    const res = await post(report("i-sim-0001", { mac: "00:16:3e", hostname: "a_b" }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: "mac" });
  });
});

describe("a client-failed report", () => {
  const failed = () => post(report("i-sim-0001", { status: 4 }));
  const reboots = () =>
    service.t.service.store.events("i-sim-0001").filter((e) => e.action === "reboot");

  it("is not acted on until it persists across two reports", async () => {
    service.t.clock.advanceMinutes(1);
    expect((await failed()).status).toBe(200);
    await service.t.service.healthCheck.run();
    expect(reboots()).toEqual([]);
    service.t.clock.advanceMinutes(0.5);
    expect((await failed()).status).toBe(200);
    await service.t.service.healthCheck.run();
    expect(reboots()).toMatchObject([{ reason: "client-failed", outcome: "ok" }]);
  });
});
