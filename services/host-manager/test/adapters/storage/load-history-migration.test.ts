// The load history moves from its own table into the hosts' rows: a database an earlier
// release left keeps every host's newest samples, in order, and its figures as stored.
import { schemaVersion } from "../../../src/adapters/storage/database";
import { HostStore } from "../../../src/adapters/storage/hosts";
import { MIGRATIONS } from "../../../src/adapters/storage/migrations";
import { LOAD_HISTORY_LENGTH } from "../../../src/domain/load";
import { eachTestDatabase, T0 } from "../../support/fixtures";

const [LONG, SHORT, GONE] = ["i-long", "i-short", "i-gone"];
const MINUTE = 60_000;

describe("moving the load history into the hosts' rows", () => {
  const database = eachTestDatabase();

  it("keeps each host's newest samples, newest first, with the figures a host did not send", () => {
    new HostStore(database.db).syncInventory(
      [LONG, SHORT].map((instanceId) => ({
        instanceId,
        privateIp: "10.0.0.5",
        createdAt: T0,
        lifecycleState: "InService",
        generation: null,
      })),
      T0,
    );
    // The database as the release before the move left it: the history in a table, its
    // rows interleaved as reports came, LONG with more samples than are kept, and samples
    // of a host no longer in the table of hosts.
    database.db.exec(`ALTER TABLE hosts DROP COLUMN load_history;
      CREATE TABLE host_load_history (id INTEGER PRIMARY KEY AUTOINCREMENT,
        instance_id TEXT NOT NULL, at INTEGER NOT NULL, cpu_percent REAL,
        memory_available_percent REAL, client_cpu_percent REAL, client_working_set_bytes INTEGER);
      PRAGMA user_version = ${MIGRATIONS.length - 1};`);
    const insert = database.db.prepare(
      `INSERT INTO host_load_history (instance_id, at, cpu_percent, memory_available_percent,
         client_cpu_percent, client_working_set_bytes) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    for (let minute = 0; minute < LOAD_HISTORY_LENGTH + 5; minute++) {
      insert.run(LONG, T0 + minute * MINUTE, minute + 0.5, 50, 12.25, 2 ** 40 + minute);
      if (minute >= LOAD_HISTORY_LENGTH + 3) {
        insert.run(SHORT, T0 + minute * MINUTE, 1 / 3, null, null, null);
      }
      insert.run(GONE, T0 + minute * MINUTE, 99, 1, 1, 1);
    }

    const db = database.reopen();
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    const load = new HostStore(db).load;
    const long = load.recent([LONG, SHORT, GONE], 100);
    expect([...long.keys()].sort()).toEqual([LONG, SHORT]);
    const newest = LOAD_HISTORY_LENGTH + 4;
    expect(long.get(LONG)).toEqual(
      Array.from({ length: LOAD_HISTORY_LENGTH }, (_, i) => ({
        at: T0 + (newest - i) * MINUTE,
        cpuPercent: newest - i + 0.5,
        memoryAvailablePercent: 50,
        clientCpuPercent: 12.25,
        clientWorkingSetBytes: 2 ** 40 + newest - i,
      })),
    );
    expect(long.get(SHORT)).toEqual(
      [newest, newest - 1].map((minute) => ({
        at: T0 + minute * MINUTE,
        cpuPercent: 1 / 3,
        memoryAvailablePercent: null,
        clientCpuPercent: null,
        clientWorkingSetBytes: null,
      })),
    );
    expect(
      db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'host_load_history%'").all(),
    ).toEqual([]);
  });
});
