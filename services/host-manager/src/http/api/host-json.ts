// The host list's wire form, in two steps so a page can be built from hosts serialised
// ahead of it: each host's JSON view (its record, its recent history and load, judged
// against a context), then a page that joins them. The fleet snapshot serialises its
// hosts this way a batch at a time in the background (../fleet-snapshot.ts); a page whose
// snapshot has none does the same for its own hosts when it is read.
import type { HostStore } from "../../adapters/storage/hosts";
import type { HealthContext } from "../../domain/health-context";
import type { HostRecord } from "../../domain/host";
import { DEFAULT_SATURATION, type LoadSample } from "../../domain/load";
import { isoTime } from "../iso-time";
import { hostView } from "./views";

/** Remediation events a host's view carries, newest first. */
export const HISTORY_PER_HOST = 10;

export type HostHistorySource = Pick<HostStore, "recentEvents" | "load">;

/**
 * Each host's JSON view, in the order given: two queries for the batch, none per host;
 * one if the batch's load samples (its newest `saturation.reports`) were read already.
 */
export function hostJsonOf(
  store: HostHistorySource,
  hosts: readonly HostRecord[],
  context: HealthContext,
  loadRead?: ReadonlyMap<string, readonly LoadSample[]>,
): string[] {
  const ids = hosts.map((host) => host.instanceId);
  const history = store.recentEvents(ids, HISTORY_PER_HOST);
  const saturation = context.settings.saturation ?? DEFAULT_SATURATION;
  const load = loadRead ?? store.load.recent(ids, saturation.reports);
  return hosts.map((host) =>
    JSON.stringify(
      hostView(host, history.get(host.instanceId) ?? [], context, load.get(host.instanceId) ?? []),
    ),
  );
}

/**
 * Hosts' JSON views kept as bytes, a batch to a buffer, with where each host starts and
 * ends: a page is cut from them without serialising again. Bytes rather than 10,000
 * strings, so a snapshot's views sit outside the JavaScript heap and cost the collector
 * nothing while they are kept.
 */
export class SerialisedHosts {
  private readonly batches: Buffer[] = [];
  private readonly batchOf: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  get length(): number {
    return this.batchOf.length;
  }

  /** Appends a batch of hosts, each as hostJsonOf wrote it. */
  add(views: readonly string[]): void {
    const joined = Buffer.from(views.join(","));
    const batch = this.batches.length;
    let offset = 0;
    for (const view of views) {
      const end = offset + Buffer.byteLength(view);
      this.batchOf.push(batch);
      this.starts.push(offset);
      this.ends.push(end);
      offset = end + 1;
    }
    this.batches.push(joined);
  }

  /** Hosts [from, to) as the elements of a JSON array: their views, comma-separated. */
  elements(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    let i = from;
    while (i < to) {
      const batch = this.batchOf[i];
      let last = i;
      while (last + 1 < to && this.batchOf[last + 1] === batch) last++;
      if (parts.length > 0) parts.push(COMMA);
      parts.push(this.batches[batch].subarray(this.starts[i], this.ends[last]));
      i = last + 1;
    }
    return Buffer.concat(parts);
  }
}

const COMMA = Buffer.from(",");

export interface HostPage {
  /** The time the hosts were judged at. */
  readonly generatedAt: number;
  readonly total: number;
  readonly count: number;
  /** The page's hosts as the elements of a JSON array (SerialisedHosts.elements). */
  readonly hosts: Buffer;
  readonly nextCursor: string | null;
}

/** A page of the list: the same bytes JSON.stringify gives for the parsed page. */
export function hostPageJson(page: HostPage): Buffer {
  return Buffer.concat([
    Buffer.from(
      `{"generatedAt":"${isoTime(page.generatedAt)}","count":${page.count},` +
        `"total":${page.total},"hosts":[`,
    ),
    page.hosts,
    Buffer.from(`],"nextCursor":${JSON.stringify(page.nextCursor)}}`),
  ]);
}
