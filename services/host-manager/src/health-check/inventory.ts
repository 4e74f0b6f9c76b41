// Keeps the registry in step with the scaling group. Reports from unknown
// instances may trigger an early refresh, at most once per `minIntervalMs`, and
// concurrent misses share one call, so a leaked token cannot flood the cloud API. A
// refresh has a deadline: a listing that takes longer is given up on (and stopped at its
// next call), and the registry is left as it was.
import type { HostStore } from "../adapters/storage/hosts";
import { monotonicOf, type Clock, type MonotonicClock } from "../clock";
import type { CloudDriver, InventoryChange } from "../domain/cloud";
import { withDeadline } from "./deadline";

export interface InventoryOptions {
  /** At most one refresh for unknown instances this often. Defaults to 30 s. */
  readonly minIntervalMs?: number;
  /** How long a refresh may take. Defaults to 60 s. */
  readonly deadlineMs?: number;
  /** Measures the interval; defaults to the clock's own, else the system's. */
  readonly monotonic?: MonotonicClock;
}

export class Inventory {
  private inFlight: Promise<InventoryChange> | undefined;
  private lastMissRefreshAt = -Infinity;
  private readonly minIntervalMs: number;
  private readonly deadlineMs: number;
  private readonly monotonic: MonotonicClock;

  constructor(
    private readonly store: HostStore,
    private readonly cloud: CloudDriver,
    private readonly clock: Clock,
    options: InventoryOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 30_000;
    this.deadlineMs = options.deadlineMs ?? 60_000;
    this.monotonic = options.monotonic ?? monotonicOf(clock);
  }

  /** Lists the scaling group and syncs the registry; concurrent callers share one listing. */
  refresh(): Promise<InventoryChange> {
    if (!this.inFlight) {
      this.inFlight = (async () => {
        try {
          const controller = new AbortController();
          const instances = await withDeadline(
            this.cloud.listInstances({ signal: controller.signal }),
            this.deadlineMs,
            "inventory refresh",
            controller,
          );
          return this.store.syncInventory(instances, this.clock.now());
        } finally {
          this.inFlight = undefined;
        }
      })();
    }
    return this.inFlight;
  }

  /** After a report from an unknown instance: refresh if allowed, then say whether it is known now. */
  async knowsAfterRefresh(instanceId: string): Promise<boolean> {
    const now = this.monotonic.monotonicMs();
    if (this.inFlight) {
      await this.inFlight.catch(() => undefined);
    } else if (now - this.lastMissRefreshAt >= this.minIntervalMs) {
      this.lastMissRefreshAt = now;
      await this.refresh().catch(() => undefined);
    }
    return this.store.isKnown(instanceId);
  }
}
