// Schema migrations: a database an earlier release left is brought up to date in place.
import { openDatabase, schemaVersion } from "../../../src/adapters/storage/database";
import { MIGRATIONS } from "../../../src/adapters/storage/migrations";
import { HostStore } from "../../../src/adapters/storage/hosts";
import { T0, tempDir } from "../../support/fixtures";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

describe("schema", () => {
  it("adds the generation columns to a version-1 database, keeping its hosts", () => {
    // A database as the previous release left it: schema 1, one host.
    const v2 = openDatabase(dir.path);
    new HostStore(v2).syncInventory(
      [
        {
          instanceId: "i-old",
          privateIp: "10.0.0.9",
          createdAt: T0,
          lifecycleState: "InService",
          generation: null,
        },
      ],
      T0,
    );
    // And without the tables later migrations add.
    const later = v2
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT IN ('hosts', 'remediation_events', 'cycles', 'sqlite_sequence')`,
      )
      .pluck()
      .all() as string[];
    for (const table of later) v2.exec(`DROP TABLE ${table}`);
    v2.exec(`ALTER TABLE hosts DROP COLUMN generation;
      ALTER TABLE hosts DROP COLUMN rollout_replaced_at; PRAGMA user_version = 1;`);
    // wip-spot's columns, which a version-1 database did not have either.
    for (const column of [
      "spot_termination_at",
      "cpu_percent",
      "memory_available_percent",
      "client_cpu_percent",
      "client_working_set_bytes",
      "zone_id",
      "load_history",
    ]) {
      v2.exec(`ALTER TABLE hosts DROP COLUMN ${column}`);
    }
    v2.close();
    const db = openDatabase(dir.path);
    // Up to date: every migration since, the generation columns' included.
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(new HostStore(db).get("i-old")).toMatchObject({
      cloudPrivateIp: "10.0.0.9",
      generation: null,
      rolloutReplacedAt: null,
      spotTerminationAt: null,
      cpuPercent: null,
    });
    db.close();
  });
});
