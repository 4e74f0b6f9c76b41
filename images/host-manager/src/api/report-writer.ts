// Group commit for host reports: reports that arrive while a commit is in flight
// are written together in the next transaction (one fsync), and each is
// acknowledged only after its commit. Commits run in a worker thread, so the
// event loop keeps parsing requests while the disk syncs.
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { Clock } from "../clock";
import type { ReportOutcome } from "../store/hosts";
import type { BatchRequest, BatchResponse } from "../store/report-worker";
import type { HostReport } from "../store/types";

interface Pending {
  report: HostReport;
  resolve: (outcome: ReportOutcome) => void;
  reject: (error: unknown) => void;
}

/** Under ts-node/ts-jest the worker is TypeScript too and needs the same loader. */
function workerEntry(): { path: string; execArgv: string[] } {
  const typescript = __filename.endsWith(".ts");
  return {
    path: join(__dirname, "..", "store", typescript ? "report-worker.ts" : "report-worker.js"),
    execArgv: typescript ? ["-r", "ts-node/register/transpile-only"] : [],
  };
}

export class ReportWriter {
  private queue: Pending[] = [];
  private inFlight: { id: number; batch: Pending[] } | undefined;
  private nextId = 1;
  private worker: Worker | undefined;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly clock: Clock,
    private readonly maxBatch = 1000,
  ) {}

  submit(report: HostReport): Promise<ReportOutcome> {
    if (this.closing) return Promise.reject(new Error("report writer is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ report, resolve, reject });
      if (!this.inFlight) setImmediate(() => this.send());
    });
  }

  /** Waits for queued reports to commit, then stops the worker. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.inFlight || this.queue.length > 0) {
        await new Promise<void>((resolve) => (this.drained = resolve));
      }
      const worker = this.worker;
      this.worker = undefined;
      if (worker) {
        const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
        worker.postMessage("close");
        await exited;
      }
    })();
    return this.closing;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const entry = workerEntry();
    const worker = new Worker(entry.path, {
      workerData: { dataDir: this.dataDir },
      execArgv: entry.execArgv,
    });
    worker.on("message", (response: BatchResponse) => this.onResponse(response));
    worker.on("error", (error) => this.failInFlight(error));
    worker.on("exit", () => {
      if (this.worker === worker) this.worker = undefined;
      this.failInFlight(new Error("report writer worker exited"));
    });
    this.worker = worker;
    return worker;
  }

  private send(): void {
    if (this.inFlight || this.queue.length === 0) {
      if (!this.inFlight && this.queue.length === 0) this.drained?.();
      return;
    }
    const batch = this.queue.splice(0, this.maxBatch);
    const request: BatchRequest = {
      id: this.nextId++,
      now: this.clock.now(),
      reports: JSON.stringify(batch.map((p) => p.report)),
    };
    this.inFlight = { id: request.id, batch };
    this.ensureWorker().postMessage(request);
  }

  private onResponse(response: BatchResponse): void {
    const current = this.inFlight;
    if (!current || current.id !== response.id) return;
    this.inFlight = undefined;
    if ("error" in response) {
      current.batch.forEach((p) => p.reject(new Error(response.error)));
    } else {
      current.batch.forEach((p, i) => p.resolve(response.outcomes[i]));
    }
    this.send();
  }

  private failInFlight(error: unknown): void {
    const current = this.inFlight;
    this.inFlight = undefined;
    current?.batch.forEach((p) => p.reject(error));
    this.send();
  }
}
