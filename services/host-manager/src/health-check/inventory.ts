// Keeps the registry in step with the scaling group. Reports from unknown
// instances may trigger an early refresh, at most once per `minIntervalMs`, and
// concurrent misses share one call, so a leaked token cannot flood the cloud API.
import type { HostStore } from "../adapters/storage/hosts";
import type { Clock } from "../clock";
import type { CloudDriver, InventoryChange } from "../domain/cloud";

export class Inventory {
  private inFlight: Promise<InventoryChange> | undefined;
  private lastMissRefreshAt = -Infinity;

  constructor(
    private readonly store: HostStore,
    private readonly cloud: CloudDriver,
    private readonly clock: Clock,
    private readonly minIntervalMs = 30_000,
  ) {}

  /** Lists the scaling group and syncs the registry; concurrent callers share one listing. */
  refresh(): Promise<InventoryChange> {
    if (!this.inFlight) {
      this.inFlight = (async () => {
        try {
          const instances = await this.cloud.listInstances();
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
    const now = this.clock.now();
    if (this.inFlight) {
      await this.inFlight.catch(() => undefined);
    } else if (now - this.lastMissRefreshAt >= this.minIntervalMs) {
      this.lastMissRefreshAt = now;
      await this.refresh().catch(() => undefined);
    }
    return this.store.isKnown(instanceId);
  }
}
