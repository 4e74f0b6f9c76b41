// What the API shows of the recorded cycles: each summary with its lists (actions,
// recoveries, unhealthy hosts) cut to a bounded length and their full lengths given.
// A storm cycle of a 10,000-host fleet lists every host, so 200 whole summaries were
// over 100 MB to parse and send. A response lists at most LISTED_PER_RESPONSE entries
// per list across its cycles (1,000 a cycle for one or two cycles, 200 at ten, 10 at
// 200): about 1 MB at most. A recorded cycle never changes, so each is parsed once and
// kept cut to the most it can ever be shown: the newest cycle its 1,000, the tenth 200.
import type { CycleSummary } from "../../domain/cycle";
import type { Db } from "./database";

/** The lists of a summary that grow with the fleet. */
export const CYCLE_LISTS = ["actions", "recovered", "unhealthyHosts"] as const;
/** Lists only some cycles have (a frozen fleet's, a paused rollout's): cut when present. */
export const OPTIONAL_CYCLE_LISTS = ["heldByFreeze", "heldByRolloutPause"] as const;
type CycleList = (typeof CYCLE_LISTS)[number];
type OptionalCycleList = (typeof OPTIONAL_CYCLE_LISTS)[number];

/** A summary whose lists hold at most the cap asked for; `listTotals` has their lengths. */
export type CycleDigest = CycleSummary & {
  listTotals: Record<CycleList, number> & Partial<Record<OptionalCycleList, number>>;
};

/** The longest list a cycle is shown with, and the budget of a response per list. */
export const MAX_LISTED = 1_000;
export const LISTED_PER_RESPONSE = 2_000;
const MIN_LISTED = 10;

/** How long each cycle's lists are in a response of `limit` cycles. */
export function listedPerCycle(limit: number): number {
  return Math.min(MAX_LISTED, Math.max(MIN_LISTED, Math.floor(LISTED_PER_RESPONSE / limit)));
}

export class CycleDigests {
  private readonly recentIds;
  private readonly summaryOf;
  /** By cycle id; only the ids of the newest cycles are ever asked for, so it stays small. */
  private readonly cache = new Map<number, CycleDigest>();

  constructor(
    db: Db,
    private readonly keep = 200,
  ) {
    this.recentIds = db.prepare(`SELECT id FROM cycles ORDER BY id DESC LIMIT ?`).pluck();
    this.summaryOf = db.prepare(`SELECT summary FROM cycles WHERE id = ?`).pluck();
  }

  /** The newest `limit` cycles, newest first, each list cut to listedPerCycle(limit). */
  latest(limit: number): CycleDigest[] {
    const ids = this.recentIds.all(limit) as number[];
    const cap = listedPerCycle(limit);
    // The i-th newest is only ever in responses of more than i cycles: it needs no more.
    const digests = ids.map((id, i) => this.digest(id, listedPerCycle(i + 1)));
    if (this.cache.size > this.keep) this.forgetOlderThan(ids);
    return digests.map((d) => {
      const cut = { ...d };
      for (const list of CYCLE_LISTS) (cut[list] as unknown[]) = d[list].slice(0, cap);
      for (const list of OPTIONAL_CYCLE_LISTS) {
        const items = d[list];
        if (items !== undefined) cut[list] = items.slice(0, cap);
      }
      return cut;
    });
  }

  private digest(id: number, keep: number): CycleDigest {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const summary = JSON.parse(this.summaryOf.get(id) as string) as CycleSummary;
    const listTotals = {} as CycleDigest["listTotals"];
    for (const list of CYCLE_LISTS) {
      const items = (summary[list] ?? []) as unknown[];
      listTotals[list] = items.length;
      (summary[list] as unknown[]) = items.slice(0, keep);
    }
    for (const list of OPTIONAL_CYCLE_LISTS) {
      const items = summary[list];
      if (items === undefined) continue;
      listTotals[list] = items.length;
      summary[list] = items.slice(0, keep);
    }
    const digest: CycleDigest = { ...summary, listTotals };
    this.cache.set(id, digest);
    return digest;
  }

  private forgetOlderThan(recent: readonly number[]): void {
    const newest = recent.length > 0 ? recent[0] : 0;
    for (const id of this.cache.keys()) if (id <= newest - this.keep) this.cache.delete(id);
  }
}
