// Group commit for host reports: the reports parsed in one turn of the event loop are
// written in one transaction (one fsync), and each is acknowledged only after that
// commit. The commit runs on the event loop's own connection: with WAL and
// synchronous=FULL it is one fsync of the log per batch, which costs far less than
// handing every batch to a worker thread and back (two thread wake-ups, the reports
// serialized both ways), and while it runs the kernel keeps queueing requests, which
// all go into the next batch.
// A storage fault (an I/O error, a full disk, a read-only or corrupt database) ends
// the writer: it refuses every report from then on, so none is acknowledged that was
// not written, and tells the service, which exits for its supervisor to restart it.
import type { Clock } from "../../clock";
import type { HostReport } from "../../domain/host";
import type { HostStore, ReportOutcome } from "./hosts";

/** What /healthz says of the write path. */
export type WriteHealth = { ok: true } | { ok: false; reason: string };

/** SQLite's codes for a database that cannot be written, as opposed to a passing conflict. */
const STORAGE_FAULT = /^SQLITE_(IOERR|FULL|READONLY|CORRUPT|CANTOPEN|NOTADB|PERM)/;

export function isStorageFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && STORAGE_FAULT.test(code);
}

/** Refuses a report because the writer stopped on a storage fault. */
export class WriterStoppedError extends Error {
  constructor(fault: unknown) {
    super(`report writer stopped on a storage fault: ${String(fault)}`);
  }
}

/** How long a failed commit keeps /healthz at 503: a few minutes of heartbeats. */
export const RECENT_FAILURE_MS = 5 * 60_000;

export interface ReportWriterOptions {
  readonly maxBatch?: number;
  /** Told once, on the first storage fault; the service exits on it. */
  readonly onStorageFault?: (error: unknown) => void;
}

interface Pending {
  report: HostReport;
  resolve: (outcome: ReportOutcome) => void;
  reject: (error: unknown) => void;
}

export class ReportWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private stoppedBy: unknown;
  private lastFailure: { at: number; reason: string } | undefined;
  private readonly maxBatch: number;

  constructor(
    private readonly store: HostStore,
    private readonly clock: Clock,
    private readonly options: ReportWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
  }

  submit(report: HostReport): Promise<ReportOutcome> {
    if (this.stoppedBy !== undefined) {
      return Promise.reject(new WriterStoppedError(this.stoppedBy));
    }
    if (this.closed) return Promise.reject(new Error("report writer is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ report, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the I/O callbacks of this turn: every request already read joins the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Unhealthy once stopped, and for RECENT_FAILURE_MS after any failed commit. */
  health(): WriteHealth {
    if (this.stoppedBy !== undefined) {
      return { ok: false, reason: `writes stopped: ${String(this.stoppedBy)}` };
    }
    const failure = this.lastFailure;
    if (failure && this.clock.now() - failure.at < RECENT_FAILURE_MS) {
      return {
        ok: false,
        reason: `a write failed ${new Date(failure.at).toISOString()}: ${failure.reason}`,
      };
    }
    return { ok: true };
  }

  /** Commits what is queued, then refuses further reports. */
  async close(): Promise<void> {
    this.closed = true;
    this.flush();
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch =
        this.queue.length <= this.maxBatch ? this.queue : this.queue.splice(0, this.maxBatch);
      if (batch === this.queue) this.queue = [];
      const reports = new Array<HostReport>(batch.length);
      for (let i = 0; i < batch.length; i++) reports[i] = batch[i].report;
      let outcomes: ReportOutcome[];
      try {
        outcomes = this.store.applyReports(reports, this.clock.now());
      } catch (error) {
        this.lastFailure = { at: this.clock.now(), reason: String(error) };
        if (isStorageFault(error)) {
          this.stop(error, batch);
          return;
        }
        for (const pending of batch) pending.reject(error);
        continue;
      }
      for (let i = 0; i < batch.length; i++) batch[i].resolve(outcomes[i]);
    }
  }

  /** Refuses this batch, everything queued and everything after, then says why once. */
  private stop(error: unknown, batch: Pending[]): void {
    this.stoppedBy = error;
    const refused = new WriterStoppedError(error);
    // flush took the batch off the queue: what is left was read after it.
    const queued = this.queue;
    this.queue = [];
    for (const pending of [...batch, ...queued]) pending.reject(refused);
    this.options.onStorageFault?.(error);
  }
}
