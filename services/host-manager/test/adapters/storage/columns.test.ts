// The column maps the host store builds its queries from agree with the schema the
// migrations build, and rows come back with exactly the domain's fields.
import {
  CYCLE_HOST_FIELDS,
  EVENT_COLUMNS,
  HOST_COLUMNS,
} from "../../../src/adapters/storage/columns";
import { openDatabase, type Db } from "../../../src/adapters/storage/database";
import { HostStore } from "../../../src/adapters/storage/hosts";
import { LOAD_HISTORY_COLUMN } from "../../../src/adapters/storage/load-samples";
import { HOST_STATE_FIELDS } from "../../../src/domain/host";
import { T0, tempDir } from "../../support/fixtures";

const sorted = (names: Iterable<string>) => [...names].sort();

describe("storage columns", () => {
  const dir = tempDir();
  let db: Db;
  beforeAll(() => {
    db = openDatabase(dir.path);
  });
  afterAll(() => {
    db.close();
    dir.remove();
  });

  const columnsOf = (table: string) =>
    (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

  it("every column of hosts holds exactly one HostRecord field, and every field has one", () => {
    const mapped = Object.values(HOST_COLUMNS);
    expect(new Set(mapped).size).toBe(mapped.length);
    // But the load history, which LoadHistory reads and decodes itself (load-samples.ts).
    expect(sorted([...mapped, LOAD_HISTORY_COLUMN])).toEqual(sorted(columnsOf("hosts")));
  });

  it("every column of remediation_events but its id holds one RemediationEvent field", () => {
    expect(sorted(Object.values(EVENT_COLUMNS))).toEqual(
      sorted(columnsOf("remediation_events").filter((name) => name !== "id")),
    );
  });

  it("reads back hosts with exactly the fields of each view", () => {
    const store = new HostStore(db);
    store.syncInventory(
      [
        {
          instanceId: "i-one",
          privateIp: "10.0.0.9",
          createdAt: T0,
          lifecycleState: "InService",
          generation: null,
        },
      ],
      T0,
    );
    expect(sorted(Object.keys(store.get("i-one") ?? {}))).toEqual(
      sorted(Object.keys(HOST_COLUMNS)),
    );
    expect(sorted(Object.keys(store.listActiveForCycle()[0] ?? {}))).toEqual(
      sorted(CYCLE_HOST_FIELDS),
    );
    const states: string[][] = [];
    store.forEachActiveState((host) => states.push(Object.keys(host)));
    expect(states.map(sorted)).toEqual([sorted(HOST_STATE_FIELDS)]);
  });
});
