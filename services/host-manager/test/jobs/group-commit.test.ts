// The hosts' task calls share commits: those of one turn of the event loop are one
// transaction, a call that throws is undone alone, and nothing resolves before its commit.
import { GroupCommit } from "../../src/adapters/storage/group-commit";
import { openDatabase, type Db } from "../../src/adapters/storage/database";
import { tempDir } from "../support/fixtures";

let db: Db;
const dir = tempDir();
beforeEach(() => {
  db = openDatabase(dir.path);
  db.exec("CREATE TABLE IF NOT EXISTS t (v INTEGER NOT NULL)");
  db.exec("DELETE FROM t");
});
afterEach(() => db.close());
afterAll(() => dir.remove());

it("runs one turn's calls in one transaction, each undone alone if it throws", async () => {
  const commits = new GroupCommit(db);
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
  const calls = [1, 2, 3].map((v) =>
    commits.run(() => {
      insert.run(v);
      if (v === 2) throw new Error("refused");
      return db.inTransaction;
    }),
  );
  // Nothing is written before the group runs.
  expect(db.prepare("SELECT COUNT(*) FROM t").pluck().get()).toBe(0);
  const settled = await Promise.allSettled(calls);
  expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  expect(db.prepare("SELECT v FROM t ORDER BY v").pluck().all()).toEqual([1, 3]);
  expect((settled[0] as PromiseFulfilledResult<boolean>).value).toBe(true);
});

it("rejects every call of a group whose commit fails", async () => {
  const commits = new GroupCommit(db);
  // A deferred foreign-key violation fails at COMMIT, after every call ran.
  db.exec(`CREATE TABLE IF NOT EXISTS p (id INTEGER PRIMARY KEY);
    CREATE TABLE IF NOT EXISTS c (p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)`);
  const calls = [
    commits.run(() => db.prepare("INSERT INTO t (v) VALUES (1)").run()),
    commits.run(() => db.prepare("INSERT INTO c (p) VALUES (42)").run()),
  ];
  const settled = await Promise.allSettled(calls);
  expect(settled.map((s) => s.status)).toEqual(["rejected", "rejected"]);
  expect(db.prepare("SELECT COUNT(*) FROM t").pluck().get()).toBe(0);
});
