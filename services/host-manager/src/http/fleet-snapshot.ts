// The fleet as the operator views see it (the status page, the host-state gauge, the
// cycle figures), built at most once every few seconds and again after each cycle,
// rather than from the database for every request: at 10,000 hosts each build reads
// and judges every host, which is the work that starved report ingest when it ran per
// page view or per scrape. What a view derives from a snapshot (a sorted table, a
// rendered page) it keeps in the snapshot's memo, so it goes when the snapshot does.
import type { CycleStore } from "../adapters/storage/cycles";
import type { HostStore } from "../adapters/storage/hosts";
import type { Clock } from "../clock";
import type { CycleCounts, CycleSummary } from "../domain/cycle";
import type { FleetCounts } from "../domain/fleet-state";
import type { HealthContext } from "../domain/health-context";
import { fleetRows, type FleetRows } from "./status-page/model";

/** Hours of cycle counts a snapshot holds: the status page's chart. */
export const CHART_HOURS = 6;
/** Entries a snapshot's memo keeps before it starts over (filters × sorts × pages). */
const MEMO_ENTRIES = 64;

export interface FleetView {
  /** The time and thresholds the hosts were judged against: the snapshot's "as of". */
  readonly context: HealthContext;
  readonly fleet: FleetRows;
  readonly lastCycle: CycleSummary | undefined;
  /** The cycles of the last CHART_HOURS, oldest first. */
  readonly recentCycles: readonly CycleCounts[];
  /** What the views derived from this snapshot, by a key of their own. */
  memo<T>(key: string, make: () => T): T;
}

export interface FleetSnapshotDeps {
  readonly hosts: Pick<HostStore, "listActive">;
  readonly cycles: Pick<CycleStore, "latest" | "countsSince">;
  readonly healthContext: () => HealthContext;
  readonly clock: Clock;
  /** How old a snapshot may be served; 0 builds one for every read (tests). */
  readonly maxAgeMs: number;
}

export class FleetSnapshot {
  private view: (FleetView & { builtAt: number }) | undefined;

  constructor(private readonly deps: FleetSnapshotDeps) {}

  /** The current snapshot, built now if there is none or it is older than maxAgeMs. */
  current(): FleetView {
    const now = this.deps.clock.now();
    if (this.view === undefined || now - this.view.builtAt >= this.deps.maxAgeMs) {
      this.view = this.build(now);
    }
    return this.view;
  }

  counts(): FleetCounts {
    return this.current().fleet.counts;
  }

  /** The next read builds afresh: a cycle just changed what the views show. */
  invalidate(): void {
    this.view = undefined;
  }

  private build(now: number): FleetView & { builtAt: number } {
    const context = this.deps.healthContext();
    const memo = new Map<string, unknown>();
    return {
      builtAt: now,
      context,
      fleet: fleetRows(this.deps.hosts.listActive(), context),
      lastCycle: this.deps.cycles.latest(1)[0],
      recentCycles: this.deps.cycles.countsSince(context.now - CHART_HOURS * 3_600_000),
      memo<T>(key: string, make: () => T): T {
        if (memo.has(key)) return memo.get(key) as T;
        if (memo.size >= MEMO_ENTRIES) memo.clear();
        const value = make();
        memo.set(key, value);
        return value;
      },
    };
  }
}
