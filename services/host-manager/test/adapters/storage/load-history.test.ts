// The load history's read over many hosts: each host's newest samples (the host list,
// and the fleet snapshot's saturation flags). It reads a few rows a host through the
// history's index, not a window over every sample; what it returns must not depend on
// how the hosts' samples are interleaved in the table.
import { HostStore } from "../../../src/adapters/storage/hosts";
import { eachTestDatabase, report, T0 } from "../../support/fixtures";

const [BUSY, QUIET, SILENCED, GONE] = ["i-busy", "i-quiet", "i-silenced", "i-gone"];
const instance = (instanceId: string) => ({
  instanceId,
  privateIp: "10.0.0.5",
  createdAt: T0,
  lifecycleState: "InService",
  generation: null,
});
const HOT = { cpuPercent: 99, memoryAvailablePercent: 50 };
const COOL = { cpuPercent: 20, memoryAvailablePercent: 50 };

describe("load history reads over many hosts", () => {
  const database = eachTestDatabase();
  let store: HostStore;
  const at = (round: number) => T0 + round * 60_000;

  beforeEach(() => {
    store = new HostStore(database.db);
    store.syncInventory([BUSY, QUIET, SILENCED, GONE].map(instance), T0);
    // Round-robin, so every host's samples are interleaved with the others' in the table.
    for (let round = 0; round < 12; round++) {
      const reports = [
        report(BUSY, round < 9 ? COOL : HOT),
        report(SILENCED, HOT),
        report(GONE, HOT),
        ...(round >= 10 ? [report(QUIET, COOL)] : []),
      ];
      store.applyReports(reports as never, at(round));
    }
    // Its latest report carries no figures: saturated samples, but not saturated now.
    store.applyReports([report(SILENCED)] as never, at(12));
    // Leaves the group: not active.
    store.syncInventory([BUSY, QUIET, SILENCED].map(instance), at(12));
  });

  it("gives each host its newest samples, newest first, at most as many as asked", () => {
    const recent = store.load.recent([BUSY, QUIET, "i-unknown", BUSY], 3);
    expect([...recent.keys()].sort()).toEqual([BUSY, QUIET]);
    expect(recent.get(BUSY)?.map((s) => s.at)).toEqual([at(11), at(10), at(9)]);
    expect(recent.get(BUSY)?.map((s) => s.cpuPercent)).toEqual([99, 99, 99]);
    expect(recent.get(QUIET)?.map((s) => s.at)).toEqual([at(11), at(10)]);
    expect(
      store.load
        .recent([BUSY], 12)
        .get(BUSY)
        ?.map((s) => s.at),
    ).toEqual(Array.from({ length: 12 }, (_, i) => at(11 - i)));
    expect(store.load.recent([], 3).size).toBe(0);
  });
});
