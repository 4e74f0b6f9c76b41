// The real entry point in a child process. Durability: a service killed with SIGKILL
// in the middle of a stream of reports loses none it acknowledged; SIGTERM stops it
// cleanly; a bad variable, or a database it cannot write, stops the start with a clear error.
import { chmodSync, chownSync } from "node:fs";
import { join } from "node:path";
import { simInstanceId, simPrivateIp } from "../src/adapters/cloud/simulated";
import { DATABASE_FILE, openDatabase } from "../src/adapters/storage/database";
import { startChild, waitForExit, type Child } from "./support/child";
import { addViewer, report, tempDir, TOKEN, viewerAuth } from "./support/fixtures";

const HOSTS = 8;

function env(dataDir: string): Record<string, string> {
  return {
    HOST_MANAGER_DATA_DIR: dataDir,
    HOST_MANAGER_TOKEN: TOKEN,
    HOST_MANAGER_PORT: "0",
    HOST_MANAGER_SIM_HOSTS: String(HOSTS),
    HOST_MANAGER_LOG_LEVEL: "info",
    // These hosts report with the fleet token.
    HOST_MANAGER_FLEET_TOKEN_FALLBACK: "true",
  };
}

const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

describe("durability", () => {
  let dir: ReturnType<typeof tempDir>;
  const children: Child[] = [];
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    // Whatever a test left running is stopped before its data directory goes.
    for (const child of children.splice(0)) {
      child.process.kill("SIGTERM");
      await waitForExit(child.process);
    }
    dir.remove();
  });

  const start = async (
    variables: Record<string, string>,
    timeoutMs?: number,
    options?: Parameters<typeof startChild>[2],
  ) => {
    const child = await startChild(variables, timeoutMs, options);
    children.push(child);
    return child;
  };

  it("keeps every acknowledged report across a SIGKILL", async () => {
    const first = await start(env(dir.path));
    const acked = new Array<number>(HOSTS + 1).fill(0);
    let total = 0;
    let killed = false;
    const killAt = 300 + Math.floor(Math.random() * 200);
    const stream = async (n: number) => {
      for (let seq = 1; !killed; seq++) {
        const body = report(simInstanceId(n), {
          privateIp: simPrivateIp(n),
          clientVersion: `seq-${seq}`,
        });
        try {
          const res = await fetch(`${first.url}/rpc/v1/status`, {
            method: "POST",
            headers,
            body: JSON.stringify(body),
          });
          if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${await res.text()}`);
          acked[n] = seq;
          if (++total === killAt) {
            killed = true;
            first.process.kill("SIGKILL");
          }
        } catch (error) {
          if (!killed) throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: HOSTS }, (_, i) => stream(i + 1)));
    expect((await waitForExit(first.process)).signal).toBe("SIGKILL");

    const second = await start(env(dir.path));
    addViewer(dir.path);
    const res = await fetch(`${second.url}/api/v1/hosts`, { headers: viewerAuth });
    type HostView = { instanceId: string; clientVersion: string | null };
    const { hosts } = (await res.json()) as { hosts: HostView[] };
    for (let n = 1; n <= HOSTS; n++) {
      const stored = hosts.find((h) => h.instanceId === simInstanceId(n))?.clientVersion ?? "seq-0";
      // A report may have committed after its ack was lost, but never the other way round.
      expect(Number(stored.slice(4))).toBeGreaterThanOrEqual(acked[n]);
      expect(Number(stored.slice(4))).toBeLessThanOrEqual(acked[n] + 1);
    }
    expect(total).toBeGreaterThanOrEqual(killAt);
  });

  it("exits 0 on SIGTERM after closing the server and the database", async () => {
    const child = await start(env(dir.path));
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
    child.process.kill("SIGTERM");
    expect(await waitForExit(child.process)).toEqual({ code: 0, signal: null });
    expect(child.output()).toContain("host-manager stopped");
  });

  it("refuses to start with a clear error naming a bad variable", async () => {
    await expect(
      start({ ...env(dir.path), HOST_MANAGER_TOKEN: "too-short" }, 10_000),
    ).rejects.toThrow(/exited with 2[\s\S]*HOST_MANAGER_TOKEN: must be at least 32 characters/);
  });

  it("refuses to start on a database it cannot write", async () => {
    // A migrated database whose file is read-only: SQLite opens it read-only without a
    // word, and before the write probe the service started and refused every report.
    openDatabase(dir.path).close();
    chmodSync(join(dir.path, DATABASE_FILE), 0o444);
    // File modes do not stop root: as root, the child runs as nobody, who may write the
    // directory (SQLite's -wal and -shm files) but not the database file.
    const nobody = { uid: 65534, gid: 65534 };
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(dir.path, nobody.uid, nobody.gid);
    await expect(start(env(dir.path), 15_000, asRoot ? nobody : {})).rejects.toThrow(
      /exited with 1[\s\S]*host-manager\.db is not writable: SqliteError: attempt to write a readonly database/,
    );
  });

  it("exits non-zero on the first I/O error in the write path, and lost no acknowledged report", async () => {
    // Writes past 768 KiB fail (EFBIG), as on a full disk: the migrations leave about
    // 280 KiB of WAL, and the reports reach the limit within a few hundred commits.
    // Before, every report from then on was a 500 and /healthz said ok.
    const first = await start(env(dir.path), undefined, { fileSizeLimitKib: 768 });
    const body = (seq: number) =>
      JSON.stringify(
        report(simInstanceId(1), { privateIp: simPrivateIp(1), clientVersion: `seq-${seq}` }),
      );
    let acked = 0;
    let refusal = "";
    for (let seq = 1; seq <= 2_000 && refusal === ""; seq++) {
      try {
        const res = await fetch(`${first.url}/rpc/v1/status`, {
          method: "POST",
          headers,
          body: body(seq),
        });
        if (res.status === 200) acked = seq;
        else refusal = `${res.status} ${await res.text()}`;
      } catch (error) {
        refusal = String(error);
      }
    }
    expect(refusal).toMatch(/^503 .*storage unavailable|fetch failed/);
    expect(await waitForExit(first.process)).toEqual({ code: 1, signal: null });
    expect(first.output()).toMatch(/storage fault: reports are no longer acknowledged/);
    expect(acked).toBeGreaterThan(0);

    // Restarted (its supervisor would), the last acknowledged report is there.
    const second = await start(env(dir.path));
    addViewer(dir.path);
    const res = await fetch(`${second.url}/api/v1/hosts?limit=1`, { headers: viewerAuth });
    const { hosts } = (await res.json()) as { hosts: { clientVersion: string }[] };
    expect(Number(hosts[0].clientVersion.slice(4))).toBeGreaterThanOrEqual(acked);
  });
});
