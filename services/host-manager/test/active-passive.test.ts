// One active manager per database, with the real entry point in two processes on one
// data directory: the second stays passive (it says so on /healthz with 200, so a
// liveness probe leaves it alone, refuses reports with 503 and a Retry-After, and runs no
// health check) until the first stops renewing the lease; then it takes over.
import { simInstanceId, simPrivateIp } from "../src/adapters/cloud/simulated";
import { createService } from "../src/service";
import { startChild, waitForExit, type Child } from "./support/child";
import {
  report,
  silentLogger,
  tempDir,
  testConfig,
  TOKEN,
  addViewer,
  viewerAuth,
} from "./support/fixtures";
import { until } from "./support/until";

const TTL_SECONDS = 3;
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

function env(dataDir: string): Record<string, string> {
  return {
    HOST_MANAGER_DATA_DIR: dataDir,
    HOST_MANAGER_TOKEN: TOKEN,
    HOST_MANAGER_PORT: "0",
    HOST_MANAGER_SIM_HOSTS: "4",
    HOST_MANAGER_LOG_LEVEL: "info",
    HOST_MANAGER_SCHEDULE: "* * * * * *",
    HOST_MANAGER_LEASE_TTL_SECONDS: String(TTL_SECONDS),
    // These hosts report with the fleet token.
    HOST_MANAGER_FLEET_TOKEN_FALLBACK: "true",
  };
}

/** The active manager answers `{ ok: true }` as before; a passive one adds its role. */
type Healthz = { ok: boolean; role?: string; leaseHolder?: string | null };

const healthz = async (child: Child) => {
  const res = await fetch(`${child.url}/healthz`);
  return { status: res.status, body: (await res.json()) as Healthz };
};

const postReport = (child: Child) =>
  fetch(`${child.url}/rpc/v1/status`, {
    method: "POST",
    headers,
    body: JSON.stringify(report(simInstanceId(1), { privateIp: simPrivateIp(1) })),
  });

describe("two host-managers on one database", () => {
  let dir: ReturnType<typeof tempDir>;
  const children: Child[] = [];
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.process.kill("SIGKILL");
      await waitForExit(child.process);
    }
    dir.remove();
  });

  it("leaves the second passive, and it takes over when the first stops renewing", async () => {
    const first = await startChild(env(dir.path));
    children.push(first);
    const second = await startChild(env(dir.path));
    children.push(second);

    expect(await healthz(first)).toEqual({ status: 200, body: { ok: true } });
    const passive = await healthz(second);
    // 200: alive and waiting; a probe that killed it would only restart it, passive again.
    expect(passive).toEqual({
      status: 200,
      body: expect.objectContaining({ ok: true, role: "passive" }),
    });
    // It names the holder: the first.
    expect(first.output()).toContain(`"holder":"${String(passive.body.leaseHolder)}"`);
    expect((await postReport(first)).status).toBe(200);
    const refused = await postReport(second);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe(String(TTL_SECONDS));
    // The views still answer, from the shared database.
    addViewer(dir.path);
    const hosts = await fetch(`${second.url}/api/v1/hosts`, { headers: viewerAuth });
    expect(hosts.status).toBe(200);
    // The first runs its cycles every second; the passive one runs none.
    const firstRan = await until(
      async () => first.output(),
      (out) => out.includes("health check cycle done"),
      10_000,
      200,
    );
    expect(firstRan).toContain("health check cycle done");
    expect(second.output()).not.toContain("health check cycle done");

    // The first is killed: no release, its lease just stops being renewed.
    first.process.kill("SIGKILL");
    await waitForExit(first.process);
    const took = await until(
      () => healthz(second),
      (h) => h.body.role === undefined,
      4 * TTL_SECONDS * 1000,
      200,
    );
    expect(took).toEqual({ status: 200, body: { ok: true } });
    expect(second.output()).toMatch(/"why":"took over from [^"]+"/);
    expect((await postReport(second)).status).toBe(200);
    await until(
      async () => second.output(),
      (out) => out.includes("health check cycle done"),
      3_000,
      200,
    );
    expect(second.output()).toContain("health check cycle done");
  });
});

describe("a clean stop", () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => dir.remove());
  /** A manager in this process, on the test's database, with no schedule. */
  const start = () =>
    createService({
      config: testConfig(dir.path, { HOST_MANAGER_LEASE_TTL_SECONDS: String(TTL_SECONDS) }),
      logger: silentLogger(),
      schedule: false,
      defaultMetrics: false,
    });

  it("hands over at once: the active one releases the lease", async () => {
    const first = start();
    const second = start();
    expect(first.lease.isActive()).toBe(true);
    expect(second.lease.facts()).toMatchObject({ role: "passive", holder: first.lease.holder });
    await first.stop();
    // Its next look (every third of the time to live) finds the lease free.
    expect(second.lease.poll()).toBe("active");
    expect(second.lease.facts()).toMatchObject({ role: "active", holder: second.lease.holder });
    await second.stop();
  });

  it("forgets the host credentials it looked up when its role changes: the other may have issued since", async () => {
    const first = start();
    const second = start();
    const host = simInstanceId(1);
    const old = first.credentials.issue(host, Date.now());
    // The passive one looks it up (for a report it then refuses with 503).
    expect(second.credentials.instanceOf(old)).toBe(host);
    // The host reboots, and registers again with the active one.
    const renewed = first.credentials.issue(host, Date.now());
    await first.stop();
    expect(second.lease.poll()).toBe("active");
    expect(second.credentials.instanceOf(old)).toBeUndefined();
    expect(second.credentials.instanceOf(renewed)).toBe(host);
    await second.stop();
  });
});
