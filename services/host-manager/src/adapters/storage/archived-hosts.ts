// Hosts that left the scaling group (replaced, removed, scaled in): kept in the registry
// with their history, read here newest-archived first, a bounded page at a time, for
// the status page's "replaced" list. Hosts' own reads are in ./hosts.ts.
import type { HostRecord } from "../../domain/host";
import { HOST_COLUMNS, selectList } from "./columns";
import type { Db } from "./database";

/** The most archived hosts one read returns. */
export const ARCHIVED_PAGE_MAX = 500;

/** `%`, `_` and the escape itself stand for themselves in a LIKE pattern. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A replace that handed a slot on; `toInstance` null until the new host is known. */
export interface Handoff {
  readonly fromInstance: string;
  readonly toInstance: string | null;
  readonly origin: string;
  readonly at: number;
}

/** Text in the instance id or host name; the generation tag ("-": none). */
export interface ArchivedFilter {
  readonly text?: string;
  readonly generation?: string;
}

function params(filter: ArchivedFilter) {
  const text = filter.text ?? "";
  return { text, pattern: likePattern(text), gen: filter.generation ?? "" };
}

export class ArchivedHosts {
  private readonly stmt;

  constructor(db: Db) {
    // Instance id or host name containing the text (any case for ASCII), of the generation
    // ("-": untagged); "" matches all.
    const where = `archived_at IS NOT NULL
      AND (@text = '' OR instance_id LIKE @pattern ESCAPE '\\' OR hostname LIKE @pattern ESCAPE '\\')
      AND (@gen = '' OR (@gen = '-' AND generation IS NULL) OR generation = @gen)`;
    this.stmt = {
      page: db.prepare(
        `SELECT ${selectList(HOST_COLUMNS)} FROM hosts WHERE ${where}
         ORDER BY archived_at DESC, instance_id LIMIT @limit OFFSET @offset`,
      ),
      count: db.prepare(`SELECT COUNT(*) FROM hosts WHERE ${where}`).pluck(),
      // A slot's hand-offs (see ./slots.ts): which host a replace handed on to, and from.
      handoffs: db.prepare(
        `SELECT from_instance AS fromInstance, to_instance AS toInstance, origin, at
         FROM slot_handoffs WHERE from_instance = @id OR to_instance = @id ORDER BY at`,
      ),
    };
  }

  /**
   * Up to `limit` (capped) archived hosts matching `filter`, newest archived first, from
   * `offset`.
   */
  page(offset: number, limit: number, filter: ArchivedFilter = {}): HostRecord[] {
    const bounded = Math.max(1, Math.min(ARCHIVED_PAGE_MAX, Math.floor(limit)));
    return this.stmt.page.all({
      ...params(filter),
      limit: bounded,
      offset: Math.max(0, Math.floor(offset)),
    }) as HostRecord[];
  }

  /** The hand-offs of the host's slot to it and from it: its predecessor and successor. */
  handoffs(instanceId: string): Handoff[] {
    return this.stmt.handoffs.all({ id: instanceId }) as Handoff[];
  }

  count(filter: ArchivedFilter = {}): number {
    return this.stmt.count.get(params(filter)) as number;
  }
}
