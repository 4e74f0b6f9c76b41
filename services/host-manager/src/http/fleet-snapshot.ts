// The fleet as the operator views see it (the status page, the host list's pages, the
// host-state and saturated-host gauges), built at most once every few seconds and again
// after each cycle, rather than from the database for every request: at 10,000 hosts a
// build reads and judges every host and its load history, which is the work that starved
// report ingest when it ran per page view or per scrape. A stale snapshot is rebuilt in the background, a page of hosts
// per turn of the event loop, while readers are served the previous one: no read ever
// holds the loop for the whole fleet. What a view derives from a snapshot (a sorted
// table, a rendered page) it keeps in the snapshot's memo, so it goes when the snapshot does.
// The costliest of those are per host: the host list's JSON (about 15 us a host, a page
// of 500 at a time) and the status page's grid tiles (about 2 us a host, 10,000 at once).
// While operators read them, each rebuild prepares them as well, in the same turns, so a
// page of the list or the grid is a join of ready parts and no read holds the loop long.
import { setImmediate as nextTurn } from "node:timers/promises";
import type { CycleStore } from "../adapters/storage/cycles";
import type { HostStore } from "../adapters/storage/hosts";
import type { Clock } from "../clock";
import type { CycleCounts, CycleSummary } from "../domain/cycle";
import type { FleetCounts } from "../domain/fleet-state";
import type { HealthContext } from "../domain/health-context";
import type { HostRecord } from "../domain/host";
import { DEFAULT_SATURATION, isHostSaturated, type SaturationSettings } from "../domain/load";
import { hostJsonOf, SerialisedHosts, type HostHistorySource } from "./api/host-json";
import { tileHtml } from "./status-page/grid";
import { fleetOf, hostRow, type FleetRows, type HostRow } from "./status-page/model";

/** Hours of cycle counts a snapshot holds: the status page's chart. */
export const CHART_HOURS = 6;
/** Entries a snapshot's memo keeps before it starts over (filters × sorts × pages). */
const MEMO_ENTRIES = 64;
/** Hosts read and judged per turn of the event loop by a background rebuild (a few ms). */
const HOSTS_PER_TURN = 250;
/**
 * How long after its last read a rebuild still prepares a part: longer than a reader's
 * round (the status page refreshes every 30 s; a script walks the list, then the page),
 * so a reader slower than the snapshot's age still finds its part ready.
 */
export const PREPARED_FOR_MS = 120_000;

export interface FleetView {
  /** The time and thresholds the hosts were judged against: the snapshot's "as of". */
  readonly context: HealthContext;
  /** Every active host's record, in instance-id order: the host list's pages. */
  readonly hosts: readonly HostRecord[];
  readonly fleet: FleetRows;
  readonly lastCycle: CycleSummary | undefined;
  /** The cycles of the last CHART_HOURS, oldest first. */
  readonly recentCycles: readonly CycleCounts[];
  /** What the views derived from this snapshot, by a key of their own. */
  memo<T>(key: string, make: () => T): T;
  /**
   * Each of `hosts` as the host list serialises it (api/host-json.ts), in the same order,
   * if this snapshot was built with them; if not, undefined. Reading it has the rebuilds
   * of the next PREPARED_FOR_MS serialise them.
   */
  serialisedHosts(): SerialisedHosts | undefined;
  /**
   * The grid tile of each of `fleet.rows` (status-page/grid.ts), by row, if this snapshot
   * was built with them; if not, undefined. Reading it has the rebuilds of the next
   * PREPARED_FOR_MS make them.
   */
  tiles(): ReadonlyMap<HostRow, string> | undefined;
}

/** What a rebuild prepares besides the rows, each only while it is being read. */
type Prepared = "hostJson" | "tiles";

const NOTHING_PREPARED: Record<Prepared, boolean> = { hostJson: false, tiles: false };

/** A snapshot being built, a batch of hosts at a time. */
interface Build {
  readonly context: HealthContext;
  readonly saturation: SaturationSettings;
  readonly hosts: HostRecord[];
  readonly rows: HostRow[];
  readonly serialised: SerialisedHosts | undefined;
  readonly tiles: Map<HostRow, string> | undefined;
}

export interface FleetSnapshotDeps {
  readonly hosts: Pick<HostStore, "listActive" | "page"> & HostHistorySource;
  readonly cycles: Pick<CycleStore, "latest" | "countsSince">;
  readonly healthContext: () => HealthContext;
  readonly clock: Clock;
  /** How old a snapshot may be served; 0 builds one for every read, at once (tests). */
  readonly maxAgeMs: number;
  /** Told when a background rebuild fails (the previous snapshot is kept). */
  readonly onError?: (error: unknown) => void;
  /**
   * What the status page derives from a view (its sorted rows, its grid): a rebuild that
   * made the tiles (the page is being read) runs each on its view, a turn each, before
   * serving it, so the page's first read of it renders only the rest on the event loop.
   * Their reads of the view are not reads: they do not keep anything prepared.
   */
  readonly pageWarmers?: readonly ((view: FleetView) => void)[];
}

type BuiltView = FleetView & { readonly builtAt: number };

export class FleetSnapshot {
  private view: BuiltView | undefined;
  private stale = false;
  /** When each part was last read (by the clock): a rebuild prepares those read lately. */
  private readAt: Record<Prepared, number> = { hostJson: -Infinity, tiles: -Infinity };
  private rebuilding: Promise<void> | undefined;

  constructor(private readonly deps: FleetSnapshotDeps) {}

  /**
   * The current snapshot. The first is built at once (only what every reader needs:
   * nothing prepared); later, one older than maxAgeMs (or invalidated) is still served
   * while a rebuild runs in the background.
   */
  current(): FleetView {
    const now = this.deps.clock.now();
    if (this.view === undefined || this.deps.maxAgeMs === 0) {
      const context = this.deps.healthContext();
      const build = this.startBuild(context, NOTHING_PREPARED);
      const hosts = this.deps.hosts.listActive();
      for (let from = 0; from < hosts.length; from += HOSTS_PER_TURN) {
        this.judge(build, hosts.slice(from, from + HOSTS_PER_TURN));
      }
      this.view = this.assemble(now, build);
      this.stale = false;
    } else if (this.stale || now - this.view.builtAt >= this.deps.maxAgeMs) {
      this.rebuilding ??= this.rebuild().finally(() => (this.rebuilding = undefined));
    }
    return this.view;
  }

  counts(): FleetCounts {
    return this.current().fleet.counts;
  }

  /** A cycle just changed what the views show: the next read starts a rebuild. */
  invalidate(): void {
    this.stale = true;
  }

  /** Resolves once no rebuild is running (tests, and stop). */
  async settled(): Promise<void> {
    await this.rebuilding;
  }

  private async rebuild(): Promise<void> {
    try {
      const startedAt = this.deps.clock.now();
      this.stale = false;
      // Judged as of the start: a report read later is only newer than that, never older.
      const context = this.deps.healthContext();
      const build = this.startBuild(context, {
        hostJson: startedAt - this.readAt.hostJson <= PREPARED_FOR_MS,
        tiles: startedAt - this.readAt.tiles <= PREPARED_FOR_MS,
      });
      let after: string | null = null;
      for (;;) {
        const page = this.deps.hosts.page(after, HOSTS_PER_TURN);
        this.judge(build, page);
        if (page.length < HOSTS_PER_TURN) break;
        after = page[page.length - 1].instanceId;
        await nextTurn();
      }
      await nextTurn();
      const view = this.assemble(startedAt, build);
      if (build.tiles !== undefined) {
        const unread = {
          ...view,
          serialisedHosts: () => build.serialised,
          tiles: () => build.tiles,
        };
        for (const warm of this.deps.pageWarmers ?? []) {
          warm(unread);
          await nextTurn();
        }
      }
      this.view = view;
    } catch (error) {
      this.deps.onError?.(error);
    }
  }

  private startBuild(context: HealthContext, prepare: Record<Prepared, boolean>): Build {
    return {
      context,
      saturation: context.settings.saturation ?? DEFAULT_SATURATION,
      hosts: [],
      rows: [],
      serialised: prepare.hostJson ? new SerialisedHosts() : undefined,
      tiles: prepare.tiles ? new Map() : undefined,
    };
  }

  /**
   * Judges a batch of hosts into `build`: each one's row, saturated or not by its load
   * history (read for the batch, in the same turn as the records), and what is prepared.
   */
  private judge(build: Build, batch: readonly HostRecord[]): void {
    const { context, saturation } = build;
    const load = this.deps.hosts.load.recent(
      batch.map((host) => host.instanceId),
      saturation.reports,
    );
    for (const host of batch) {
      const saturated = isHostSaturated(host, load.get(host.instanceId) ?? [], saturation);
      const row = hostRow(host, context, saturated);
      build.hosts.push(host);
      build.rows.push(row);
      build.tiles?.set(row, tileHtml(row));
    }
    build.serialised?.add(hostJsonOf(this.deps.hosts, batch, context, load));
  }

  private assemble(now: number, build: Build): BuiltView {
    const { context, hosts, rows, serialised, tiles } = build;
    const memo = new Map<string, unknown>();
    // Read now, whether or not this snapshot has it: the next rebuilds prepare it.
    const want = (part: Prepared) => (this.readAt[part] = this.deps.clock.now());
    return {
      builtAt: now,
      context,
      hosts,
      fleet: fleetOf(rows),
      lastCycle: this.deps.cycles.latest(1)[0],
      recentCycles: this.deps.cycles.countsSince(context.now - CHART_HOURS * 3_600_000),
      memo<T>(key: string, make: () => T): T {
        if (memo.has(key)) return memo.get(key) as T;
        if (memo.size >= MEMO_ENTRIES) memo.clear();
        const value = make();
        memo.set(key, value);
        return value;
      },
      serialisedHosts(): SerialisedHosts | undefined {
        want("hostJson");
        return serialised;
      },
      tiles(): ReadonlyMap<HostRow, string> | undefined {
        want("tiles");
        return tiles;
      },
    };
  }
}
