// Issue 17: /healthz said ok while every write failed. Over real HTTP, with the
// database turned read-only under the running service (PRAGMA query_only: SQLite then
// fails every write with SQLITE_READONLY, as for a read-only file; the tests may run as
// root, whom chmod does not stop): the report is refused with 503, never acknowledged,
// the writer stops for good and says so once (main.ts exits on it), and /healthz says
// 503 and why.
import { report } from "../../support/fixtures";
import { eachListening } from "../../support/service";

describe("a storage fault in the write path", () => {
  const onStorageFault = jest.fn();
  beforeEach(() => onStorageFault.mockClear());
  const service = eachListening({ service: { onStorageFault } });
  const post = () => service.postReport(report("i-sim-0001"));
  const healthz = async () => {
    const res = await fetch(`${service.url}/healthz`);
    return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string } };
  };

  it("stops acknowledging reports, reports the fault once, and fails /healthz with the reason", async () => {
    expect((await post()).status).toBe(200);
    expect(await healthz()).toEqual({ status: 200, body: { ok: true } });

    service.t.service.db.pragma("query_only = ON");
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: "storage unavailable" });
    const health = await healthz();
    expect(health.status).toBe(503);
    expect(health.body.error).toMatch(/writes stopped: .*readonly/);
    expect(onStorageFault).toHaveBeenCalledTimes(1);

    // Stopped for good: even a disk that seems to come back is not trusted in-process.
    service.t.service.db.pragma("query_only = OFF");
    expect((await post()).status).toBe(503);
    expect((await healthz()).status).toBe(503);
    expect(onStorageFault).toHaveBeenCalledTimes(1);
  });
});
