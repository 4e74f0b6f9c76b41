// The load history's read over many hosts: each host's newest samples (the host list,
// and the fleet snapshot's saturation flags), kept in each host's row as the reports
// came, whatever other hosts reported in between; and each figure exactly as reported.
import { HostStore } from "../../../src/adapters/storage/hosts";
import { LOAD_HISTORY_LENGTH } from "../../../src/domain/load";
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

  it("keeps every figure as reported, whatever its bytes, and the newest LOAD_HISTORY_LENGTH", () => {
    // Doubles from random bits: among their bytes are zeros and sequences no UTF-8 text
    // has, which the history's SQL (|| and substr over a BLOB) must carry as they are.
    const bits = new DataView(new ArrayBuffer(8));
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const anyDouble = () => {
      do {
        bits.setUint32(0, random());
        bits.setUint32(4, random());
      } while (!Number.isFinite(bits.getFloat64(0)));
      return bits.getFloat64(0);
    };
    const sent = Array.from({ length: LOAD_HISTORY_LENGTH + 7 }, (_, i) => ({
      cpuPercent: anyDouble(),
      memoryAvailablePercent: i % 3 === 0 ? undefined : anyDouble(),
      clientCpuPercent: i % 5 === 0 ? 0 : -0,
      clientWorkingSetBytes: 2 ** 50 - i,
    }));
    sent.forEach((figures, i) => store.applyReports([report(QUIET, figures)] as never, at(20 + i)));
    const kept = store.load.recent([QUIET], 100).get(QUIET) ?? [];
    expect(kept).toEqual(
      sent
        .map((figures, i) => ({
          at: at(20 + i),
          ...figures,
          memoryAvailablePercent: figures.memoryAvailablePercent ?? null,
        }))
        .reverse()
        .slice(0, LOAD_HISTORY_LENGTH),
    );
    expect(store.load.size(QUIET)).toBe(LOAD_HISTORY_LENGTH);
  });
});
