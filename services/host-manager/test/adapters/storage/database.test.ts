// The journal mode: WAL on a local disk, the rollback journal (DELETE) when the data
// directory is on a network file system, where WAL must never be used
// (https://www.sqlite.org/wal.html, Limitations).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DATABASE_FILE, openDatabase } from "../../../src/adapters/storage/database";
import { HostStore } from "../../../src/adapters/storage/hosts";
import { startTestService } from "../../support/service";
import { T0, tempDir } from "../../support/fixtures";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

const journalMode = (db: ReturnType<typeof openDatabase>) =>
  db.pragma("journal_mode", { simple: true });

const addHost = (db: ReturnType<typeof openDatabase>) =>
  new HostStore(db).syncInventory(
    [
      {
        instanceId: "i-1",
        privateIp: "10.0.0.1",
        createdAt: T0,
        lifecycleState: "InService",
        generation: null,
      },
    ],
    T0,
  );

describe("journal mode", () => {
  it("is WAL on a local disk", () => {
    const db = openDatabase(dir.path);
    expect(journalMode(db)).toBe("wal");
    addHost(db);
    expect(existsSync(join(dir.path, `${DATABASE_FILE}-wal`))).toBe(true);
    db.close();
  });

  it("is DELETE on a network file system, and never leaves a WAL file", () => {
    const db = openDatabase(dir.path, { networkFs: true });
    expect(journalMode(db)).toBe("delete");
    addHost(db);
    expect(existsSync(join(dir.path, `${DATABASE_FILE}-wal`))).toBe(false);
    expect(existsSync(join(dir.path, `${DATABASE_FILE}-shm`))).toBe(false);
    db.close();
  });

  it("takes a database a local run left in WAL mode off WAL, keeping its rows", () => {
    const local = openDatabase(dir.path);
    addHost(local);
    local.close();
    const db = openDatabase(dir.path, { networkFs: true });
    expect(journalMode(db)).toBe("delete");
    expect(new HostStore(db).get("i-1")).toMatchObject({ cloudPrivateIp: "10.0.0.1" });
    db.close();
  });

  it("refuses to open off WAL while another connection holds the database in WAL mode", () => {
    const other = openDatabase(dir.path);
    addHost(other);
    expect(() => openDatabase(dir.path, { networkFs: true })).toThrow(
      /cannot set journal_mode delete/,
    );
    other.close();
  });

  it("follows HOST_MANAGER_DATA_ON_NETWORK_FS in the service", async () => {
    const nfs = await startTestService({ env: { HOST_MANAGER_DATA_ON_NETWORK_FS: "true" } });
    expect(journalMode(nfs.service.db)).toBe("delete");
    await nfs.close();
    const local = await startTestService();
    expect(journalMode(local.service.db)).toBe("wal");
    await local.close();
  });
});
