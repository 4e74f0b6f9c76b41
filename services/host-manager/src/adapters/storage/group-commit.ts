// Group commit for the hosts' task calls (accept, progress, result), as the report
// writer does for reports: the calls read in one turn of the event loop run in one
// transaction (one fsync), each as its own savepoint, and each is answered only after
// that commit. A thousand hosts accepting at once cost a few fsyncs, not a thousand.
import type { Db } from "./database";

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 1_000,
  ) {}

  /**
   * Runs `work` (synchronous, writing through `db`) in the next group's transaction and
   * resolves with its result once that is committed. A call that throws is rolled back
   * alone; a commit that fails rejects every call of its group.
   */
  run<R>(work: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ run: work, resolve: resolve as (value: unknown) => void, reject });
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
      const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
      try {
        this.db.transaction(() => {
          for (const pending of batch) {
            // A nested transaction is a savepoint: a call that throws undoes only itself.
            try {
              outcomes.push({ ok: true, value: this.db.transaction(pending.run)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
        continue;
      }
      batch.forEach((pending, i) => {
        const outcome = outcomes[i];
        if (outcome.ok) pending.resolve(outcome.value);
        else pending.reject(outcome.error);
      });
    }
  }
}
