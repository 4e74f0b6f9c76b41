// The last few load samples of each host (domain/load.ts), kept from its reports: at most
// LOAD_HISTORY_LENGTH per host, the oldest pruned as each new one is written, so the table
// is bounded by the hosts it has known whatever they send.
import { LOAD_HISTORY_LENGTH, type LoadSample } from "../../domain/load";
import type { HostReport } from "../../domain/host";
import type { Db } from "./database";

const SAMPLE_FIELDS = `at, cpu_percent AS cpuPercent,
  memory_available_percent AS memoryAvailablePercent, client_cpu_percent AS clientCpuPercent,
  client_working_set_bytes AS clientWorkingSetBytes`;

type Row = LoadSample & { instanceId: string };

export class LoadHistory {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      add: db.prepare(
        `INSERT INTO host_load_history (instance_id, at, cpu_percent, memory_available_percent,
           client_cpu_percent, client_working_set_bytes) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      // Everything older than the host's LOAD_HISTORY_LENGTH newest (none while it has fewer).
      prune: db.prepare(
        `DELETE FROM host_load_history WHERE instance_id = ? AND id <= (
           SELECT id FROM host_load_history WHERE instance_id = ?
           ORDER BY id DESC LIMIT 1 OFFSET ${LOAD_HISTORY_LENGTH})`,
      ),
      // The newest samples of many hosts in one query, each host's newest first. Each
      // host's are found through its index (instance_id, id), a few rows a host: a window
      // over the hosts' whole history cost about six times as much (10,000 hosts).
      recent: db.prepare(
        `SELECT l.instance_id AS instanceId, ${SAMPLE_FIELDS}
         FROM (SELECT DISTINCT value FROM json_each(?)) j JOIN host_load_history l ON l.id IN (
           SELECT id FROM host_load_history WHERE instance_id = j.value
           ORDER BY id DESC LIMIT ?)
         ORDER BY l.instance_id, l.id DESC`,
      ),
      count: db.prepare(`SELECT COUNT(*) FROM host_load_history WHERE instance_id = ?`).pluck(),
    };
  }

  /** Adds the report's figures as a sample at `now`, and drops the host's oldest beyond the bound. */
  add(report: HostReport, now: number): void {
    this.stmt.add.run(
      report.instanceId,
      now,
      report.cpuPercent ?? null,
      report.memoryAvailablePercent ?? null,
      report.clientCpuPercent ?? null,
      report.clientWorkingSetBytes ?? null,
    );
    this.stmt.prune.run(report.instanceId, report.instanceId);
  }

  /** Each host's newest `perHost` samples (newest first); no entry for a host with none. */
  recent(instanceIds: readonly string[], perHost: number): Map<string, LoadSample[]> {
    const byHost = new Map<string, LoadSample[]>();
    if (instanceIds.length === 0) return byHost;
    const rows = this.stmt.recent.all(JSON.stringify(instanceIds), perHost) as Row[];
    for (const { instanceId, ...sample } of rows) {
      const list = byHost.get(instanceId);
      if (list) list.push(sample);
      else byHost.set(instanceId, [sample]);
    }
    return byHost;
  }

  /** How many samples the host has: at most LOAD_HISTORY_LENGTH. */
  size(instanceId: string): number {
    return this.stmt.count.get(instanceId) as number;
  }
}
