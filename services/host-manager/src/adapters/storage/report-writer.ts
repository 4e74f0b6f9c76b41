// Group commit for host reports: the reports parsed in one turn of the event loop are
// written in one transaction (one fsync), and each is acknowledged only after that
// commit. The commit runs on the event loop's own connection: with WAL and
// synchronous=FULL it is one fsync of the log per batch, which costs far less than
// handing every batch to a worker thread and back (two thread wake-ups, the reports
// serialized both ways), and while it runs the kernel keeps queueing requests, which
// all go into the next batch.
import type { Clock } from "../../clock";
import type { HostReport } from "../../domain/host";
import type { HostStore, ReportOutcome } from "./hosts";

interface Pending {
  report: HostReport;
  resolve: (outcome: ReportOutcome) => void;
  reject: (error: unknown) => void;
}

export class ReportWriter {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly store: HostStore,
    private readonly clock: Clock,
    private readonly maxBatch = 1000,
  ) {}

  submit(report: HostReport): Promise<ReportOutcome> {
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
        for (const pending of batch) pending.reject(error);
        continue;
      }
      for (let i = 0; i < batch.length; i++) batch[i].resolve(outcomes[i]);
    }
  }
}
