// Group commit for host reports: reports that arrive together are written in one
// transaction (one fsync), and each is acknowledged only after that commit.
import type { Clock } from "../clock";
import type { HostStore, ReportOutcome } from "../store/hosts";
import type { HostReport } from "../store/types";

interface Pending {
  report: HostReport;
  resolve: (outcome: ReportOutcome) => void;
  reject: (error: unknown) => void;
}

export class ReportWriter {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly store: HostStore,
    private readonly clock: Clock,
    private readonly maxBatch = 500,
  ) {}

  submit(report: HostReport): Promise<ReportOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ report, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const outcomes = this.store.applyReports(
          batch.map((p) => p.report),
          this.clock.now(),
        );
        batch.forEach((p, i) => p.resolve(outcomes[i]));
      } catch (error) {
        batch.forEach((p) => p.reject(error));
      }
    }
  }
}
