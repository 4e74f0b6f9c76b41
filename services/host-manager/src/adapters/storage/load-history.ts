// The last few load samples of each host (domain/load.ts), kept from its reports: at most
// LOAD_HISTORY_LENGTH per host, in its hosts row (load-samples.ts), written by the report's
// own UPDATE (hosts.ts), so the history is bounded by the hosts known whatever they send.
import type { LoadSample } from "../../domain/load";
import type { Db } from "./database";
import { decodeSamples, LOAD_HISTORY_COLUMN, sampleCount } from "./load-samples";

type Row = { instanceId: string; history: Uint8Array | null };

export class LoadHistory {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      // The newest samples of many hosts in one query: one lookup by primary key a host.
      recent: db.prepare(
        `SELECT instance_id AS instanceId, ${LOAD_HISTORY_COLUMN} AS history FROM hosts
         WHERE instance_id IN (SELECT value FROM json_each(?)) AND ${LOAD_HISTORY_COLUMN} IS NOT NULL`,
      ),
      history: db.prepare(`SELECT ${LOAD_HISTORY_COLUMN} FROM hosts WHERE instance_id = ?`).pluck(),
    };
  }

  /** Each host's newest `perHost` samples (newest first); no entry for a host with none. */
  recent(instanceIds: readonly string[], perHost: number): Map<string, LoadSample[]> {
    const byHost = new Map<string, LoadSample[]>();
    if (instanceIds.length === 0) return byHost;
    const rows = this.stmt.recent.all(JSON.stringify(instanceIds)) as Row[];
    for (const { instanceId, history } of rows) {
      const samples = decodeSamples(history, perHost);
      if (samples.length > 0) byHost.set(instanceId, samples);
    }
    return byHost;
  }

  /** How many samples the host has: at most LOAD_HISTORY_LENGTH. */
  size(instanceId: string): number {
    return sampleCount((this.stmt.history.get(instanceId) as Uint8Array | undefined) ?? null);
  }
}
