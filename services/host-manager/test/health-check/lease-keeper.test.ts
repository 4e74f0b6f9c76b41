// The lease that makes one host-manager on a database the active one: taken when free,
// renewed while held, taken over only after a whole time to live without a renewal (as
// the watcher's monotonic clock measures, whatever the wall clocks do), at once after a
// release, and an active manager that cannot renew stops counting itself active first.
import { openDatabase, type Db } from "../../src/adapters/storage/database";
import { LeaseStore } from "../../src/adapters/storage/lease";
import { LeaseKeeper } from "../../src/health-check/lease-keeper";
import { silentLogger, T0, tempDir } from "../support/fixtures";
import { ManualClock } from "../support/manual-clock";

const TTL = 30_000;

let dir: ReturnType<typeof tempDir>;
let dbs: Db[] = [];
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  dbs.forEach((db) => db.close());
  dbs = [];
  dir.remove();
});

/** A manager's keeper on its own connection to the shared database, on its own clock. */
function manager(name: string, clock = new ManualClock(T0)) {
  const db = openDatabase(dir.path);
  dbs.push(db);
  const changes: string[] = [];
  const keeper = new LeaseKeeper({
    store: new LeaseStore(db),
    clock,
    monotonic: clock,
    logger: silentLogger(),
    holder: name,
    ttlMs: TTL,
    onChange: (role) => changes.push(role),
  });
  return { keeper, clock, changes };
}

describe("LeaseKeeper", () => {
  it("the first takes the lease; a second on the same database stays passive while it renews", () => {
    const a = manager("a");
    const b = manager("b");
    expect(a.keeper.poll()).toBe("active");
    expect(b.keeper.poll()).toBe("passive");
    for (let i = 0; i < 10; i++) {
      a.clock.advanceMs(a.keeper.intervalMs);
      b.clock.advanceMs(a.keeper.intervalMs);
      expect(a.keeper.poll()).toBe("active");
      expect(b.keeper.poll()).toBe("passive");
    }
    expect(a.keeper.isActive()).toBe(true);
    expect(b.keeper.facts()).toMatchObject({ role: "passive", holder: "a" });
    expect(a.keeper.facts()).toMatchObject({ role: "active", holder: "a" });
  });

  it("takes over after a whole time to live without a renewal, not before", () => {
    const a = manager("a");
    const b = manager("b");
    a.keeper.poll();
    b.keeper.poll();
    // a stops renewing (killed).
    b.clock.advanceMs(TTL - 1);
    expect(b.keeper.poll()).toBe("passive");
    b.clock.advanceMs(1);
    expect(b.keeper.poll()).toBe("active");
    expect(b.changes).toEqual(["active"]);
    // a, back from a pause, finds the lease taken and steps down at its next look.
    a.clock.advanceMs(TTL);
    expect(a.keeper.isActive()).toBe(false);
    expect(a.keeper.poll()).toBe("passive");
    expect(a.changes).toEqual(["active", "passive"]);
  });

  it("an active manager whose renewals ran late renews before it says it is active", () => {
    const a = manager("a");
    const b = manager("b");
    a.keeper.poll();
    b.keeper.poll();
    // a's timer did not run for longer than a renewal may be late; nobody took over.
    a.clock.advanceMs(TTL - 1);
    expect(a.keeper.isActive()).toBe(true);
    // Now it pauses past a whole time to live, and b takes over meanwhile.
    a.clock.advanceMs(TTL);
    b.clock.advanceMs(TTL);
    b.keeper.poll();
    b.clock.advanceMs(TTL);
    expect(b.keeper.poll()).toBe("active");
    expect(a.keeper.isActive()).toBe(false);
    expect(a.changes).toEqual(["active", "passive"]);
  });

  it("steps down when it cannot write its renewal for too long", () => {
    const a = manager("a");
    a.keeper.poll();
    a.clock.advanceMs(a.keeper.intervalMs);
    dbs[0]?.close();
    expect(a.keeper.poll()).toBe("active");
    a.clock.advanceMs(TTL);
    expect(a.keeper.isActive()).toBe(false);
    expect(a.changes).toEqual(["active", "passive"]);
    dbs = dbs.slice(1);
  });

  it("takes a released lease at once", () => {
    const a = manager("a");
    const b = manager("b");
    a.keeper.poll();
    b.keeper.poll();
    a.keeper.stop();
    expect(a.keeper.isActive()).toBe(false);
    expect(b.keeper.poll()).toBe("active");
  });

  it("is not fooled by wall clocks: steps of a day either way change nothing", () => {
    const a = manager("a");
    const b = manager("b");
    a.keeper.poll();
    b.keeper.poll();
    a.clock.step(24 * 3_600_000);
    b.clock.step(-24 * 3_600_000);
    for (let i = 0; i < 5; i++) {
      a.clock.advanceMs(a.keeper.intervalMs);
      b.clock.advanceMs(a.keeper.intervalMs);
      expect(a.keeper.poll()).toBe("active");
      expect(b.keeper.poll()).toBe("passive");
    }
    b.clock.advanceMs(TTL);
    expect(b.keeper.poll()).toBe("active");
  });
});
