// Keeps the registry in step with the scaling group. Reports from unknown
// instances may trigger an early refresh, at most once per `minIntervalMs`, and
// concurrent misses share one call, so a leaked token cannot flood the cloud API. A
// refresh has a deadline: a listing that takes longer is given up on (and stopped at its
// next call), and the registry is left as it was.
import type { HostStore } from "../adapters/storage/hosts";
import { monotonicOf, type Clock, type MonotonicClock } from "../clock";
import type { CloudDriver, InventoryChange } from "../domain/cloud";
import { withDeadline } from "./deadline";

/** Longer than any timeout a restored host's grace could matter for. */
const RESTORED_KEPT_MS = 24 * 3_600_000;

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
  /** Hosts the group gave back after they were archived, and when (kept a day). */
  private readonly restored = new Map<string, number>();
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
          const now = this.clock.now();
          const change = this.store.syncInventory(instances, now);
          // New instances take the places replaces left (ESS names no link between them).
          this.store.slots.assign(change.added);
          for (const id of change.restored) this.restored.set(id, now);
          for (const [id, at] of this.restored)
            if (now - at > RESTORED_KEPT_MS) this.restored.delete(id);
          return change;
        } finally {
          this.inFlight = undefined;
        }
      })();
    }
    return this.inFlight;
  }

  /**
   * The hosts restored to the group (archived, then listed again) and when this process
   * saw them back: their reports were refused meanwhile, so they get a fresh grace.
   */
  restoredAt(): ReadonlyMap<string, number> {
    return this.restored;
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
