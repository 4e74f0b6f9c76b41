// The report writer's failure rules on a store that throws: a passing failure (a busy
// database) fails its batch and keeps /healthz at 503 for a while; a storage fault
// stops the writer for good. The real service: test/http/api/storage-faults.test.ts.
import {
  RECENT_FAILURE_MS,
  ReportWriter,
  WriterStoppedError,
} from "../../../src/adapters/storage/report-writer";
import type { HostStore } from "../../../src/adapters/storage/hosts";
import { report, T0 } from "../../support/fixtures";
import { ManualClock } from "../../support/manual-clock";

const sqliteError = (code: string) => Object.assign(new Error(code), { code });

function writerOver(fail: () => unknown) {
  const clock = new ManualClock(T0);
  const onStorageFault = jest.fn();
  const store = {
    applyReports: (reports: readonly unknown[]) => {
      const error = fail();
      if (error) throw error;
      return reports.map(() => "ok" as const);
    },
  } as unknown as HostStore;
  return { clock, onStorageFault, writer: new ReportWriter(store, clock, { onStorageFault }) };
}

describe("ReportWriter failures", () => {
  it("fails a busy batch, stays unhealthy for RECENT_FAILURE_MS, and goes on", async () => {
    let busy = true;
    const { clock, writer, onStorageFault } = writerOver(() =>
      busy ? sqliteError("SQLITE_BUSY") : undefined,
    );
    await expect(writer.submit(report("i-1"))).rejects.toThrow("SQLITE_BUSY");
    expect(writer.health()).toMatchObject({ ok: false });
    busy = false;
    await expect(writer.submit(report("i-1"))).resolves.toBe("ok");
    clock.advanceMinutes(RECENT_FAILURE_MS / 60_000);
    expect(writer.health()).toEqual({ ok: true });
    expect(onStorageFault).not.toHaveBeenCalled();
  });

  it.each(["SQLITE_IOERR_WRITE", "SQLITE_FULL", "SQLITE_READONLY", "SQLITE_CORRUPT"])(
    "stops for good on %s and refuses every report queued or to come",
    async (code) => {
      let calls = 0;
      const { writer, onStorageFault } = writerOver(() =>
        calls++ === 0 ? sqliteError(code) : undefined,
      );
      const batch = [writer.submit(report("i-1")), writer.submit(report("i-2"))];
      for (const pending of batch) await expect(pending).rejects.toThrow(code);
      await expect(writer.submit(report("i-3"))).rejects.toBeInstanceOf(WriterStoppedError);
      expect(writer.health()).toMatchObject({ ok: false, reason: expect.stringContaining(code) });
      expect(onStorageFault).toHaveBeenCalledTimes(1);
      expect(calls).toBe(1);
    },
  );
});
