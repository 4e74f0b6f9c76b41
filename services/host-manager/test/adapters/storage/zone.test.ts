// The zone the cloud lists for an instance is kept on its record (the status page groups
// by it): set when listed, kept when a later listing leaves it out, followed when it moves.
import { openDatabase, type Db } from "../../../src/adapters/storage/database";
import { HostStore } from "../../../src/adapters/storage/hosts";
import type { CloudInstance } from "../../../src/domain/cloud";
import { T0, tempDir } from "../../support/fixtures";

const instance = (zone?: string): CloudInstance => ({
  instanceId: "i-zoned",
  privateIp: "10.0.0.9",
  createdAt: T0,
  lifecycleState: "InService",
  generation: null,
  ...(zone === undefined ? {} : { zone }),
});

describe("an instance's zone", () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let store: HostStore;
  beforeEach(() => {
    dir = tempDir();
    db = openDatabase(dir.path);
    store = new HostStore(db);
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  it("is null until the cloud says", () => {
    store.syncInventory([instance()], T0);
    expect(store.get("i-zoned")?.zone).toBeNull();
  });

  it("is kept from the listing, through one that leaves it out, and follows a change", () => {
    store.syncInventory([instance("cn-hangzhou-h")], T0);
    expect(store.get("i-zoned")?.zone).toBe("cn-hangzhou-h");
    store.syncInventory([instance()], T0 + 1);
    expect(store.get("i-zoned")?.zone).toBe("cn-hangzhou-h");
    const version = store.get("i-zoned")?.version;
    store.syncInventory([instance("cn-hangzhou-h")], T0 + 2);
    expect(store.get("i-zoned")?.version).toBe(version);
    store.syncInventory([instance("cn-hangzhou-j")], T0 + 3);
    expect(store.get("i-zoned")?.zone).toBe("cn-hangzhou-j");
  });
});
