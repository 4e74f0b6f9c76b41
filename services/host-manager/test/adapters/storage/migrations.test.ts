// Schema migrations: a database an earlier release left is brought up to date in place.
import { openDatabase, schemaVersion } from "../../../src/adapters/storage/database";
import { HostStore } from "../../../src/adapters/storage/hosts";
import { MIGRATIONS } from "../../../src/adapters/storage/migrations";
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
    v2.exec(`ALTER TABLE hosts DROP COLUMN generation;
      ALTER TABLE hosts DROP COLUMN rollout_replaced_at; DROP TABLE sessions;
      PRAGMA user_version = 1;`);
    v2.close();
    const db = openDatabase(dir.path);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(new HostStore(db).get("i-old")).toMatchObject({
      cloudPrivateIp: "10.0.0.9",
      generation: null,
      rolloutReplacedAt: null,
    });
    db.close();
  });
});
