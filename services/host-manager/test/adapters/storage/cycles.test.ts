// Cycle records: the last 200 whole cycles for the API, and each cycle's counts for a
// week, so the status page's 7-day chart covers 7 days at a 5-minute schedule (2,016
// cycles), not the 16 hours 200 cycles make.
import { schemaVersion } from "../../../src/adapters/storage/database";
import { CycleStore, KEEP_COUNTS_MS } from "../../../src/adapters/storage/cycles";
import { MIGRATIONS } from "../../../src/adapters/storage/migrations";
import type { CycleSummary } from "../../../src/domain/cycle";
import { eachTestDatabase, quietCycle, T0 } from "../../support/fixtures";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function summary(finishedAt: number, unhealthy: number): CycleSummary {
  return quietCycle(100, {
    startedAt: finishedAt - 1_000,
    finishedAt,
    healthy: 100 - unhealthy,
    unhealthy,
    remediating: 1,
    outdated: 2,
    maxUnhealthy: 40,
  });
}

const each = eachTestDatabase();

describe("cycle records", () => {
  it("keeps 200 whole cycles, and a week of their counts", () => {
    const cycles = new CycleStore(each.db);
    // Ten days of cycles an hour apart: 240, the last at T0.
    for (let n = 239; n >= 0; n--) cycles.add(summary(T0 - n * HOUR, n % 7));
    expect(cycles.latest(1_000)).toHaveLength(200);
    const week = cycles.countsSince(T0 - 7 * DAY);
    expect(week).toHaveLength(7 * 24 + 1);
    expect(week[0]).toEqual({
      finishedAt: T0 - 7 * DAY,
      total: 100,
      healthy: 100 - ((7 * 24) % 7),
      unhealthy: (7 * 24) % 7,
      remediating: 1,
      failed: 0,
      outdated: 2,
    });
    expect(week[week.length - 1]?.finishedAt).toBe(T0);
    // Older counts are gone: a week and an hour is all that is kept.
    const all = cycles.countsSince(0);
    expect(all[0]?.finishedAt).toBeGreaterThanOrEqual(T0 - KEEP_COUNTS_MS);
    expect(all).toHaveLength(KEEP_COUNTS_MS / HOUR + 1);
  });

  it("counts a cycle recorded before rollouts (no outdated) as 0 outdated", () => {
    const cycles = new CycleStore(each.db);
    const { outdated: _dropped, ...old } = summary(T0, 3);
    cycles.add(old);
    expect(cycles.countsSince(0)[0]?.outdated).toBe(0);
  });

  it("fills the counts from the cycles an earlier release stored", () => {
    const cycles = new CycleStore(each.db);
    for (let n = 2; n >= 0; n--) cycles.add(summary(T0 - n * HOUR, n));
    // The database as the release before this table left it: nor had it the load history
    // in the hosts' rows, but in a table of its own.
    const countsStep = MIGRATIONS.findIndex(
      (step) => typeof step === "string" && step.includes("CREATE TABLE cycle_counts"),
    );
    each.db.exec(`DROP TABLE cycle_counts; ALTER TABLE hosts DROP COLUMN load_history;
      CREATE TABLE host_load_history (id INTEGER PRIMARY KEY, instance_id TEXT, at INTEGER,
        cpu_percent REAL, memory_available_percent REAL, client_cpu_percent REAL,
        client_working_set_bytes INTEGER);
      PRAGMA user_version = ${countsStep};`);
    expect(schemaVersion(each.reopen())).toBe(MIGRATIONS.length);
    expect(
      new CycleStore(each.db).countsSince(0).map((c) => [c.finishedAt, c.unhealthy, c.outdated]),
    ).toEqual([
      [T0 - 2 * HOUR, 2, 2],
      [T0 - HOUR, 1, 2],
      [T0, 0, 2],
    ]);
  });
});
