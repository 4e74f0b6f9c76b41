// The schema step that moves the load history from a table of its own (one row a sample,
// each report an insert, an index entry and a pruning delete) into each host's row
// (load-samples.ts), taking along every host's newest samples.
import { LOAD_HISTORY_LENGTH, type LoadSample } from "../../domain/load";
import type { Db } from "./database";
import { encodeHistory, LOAD_HISTORY_COLUMN } from "./load-samples";

type SampleRow = LoadSample & { instanceId: string };

export function moveLoadHistoryIntoHosts(db: Db): void {
  db.exec(`ALTER TABLE hosts ADD COLUMN ${LOAD_HISTORY_COLUMN} BLOB`);
  const rows = db
    .prepare(
      `SELECT instance_id AS instanceId, at, cpu_percent AS cpuPercent,
         memory_available_percent AS memoryAvailablePercent,
         client_cpu_percent AS clientCpuPercent,
         client_working_set_bytes AS clientWorkingSetBytes
       FROM host_load_history ORDER BY instance_id, id DESC`,
    )
    .iterate() as IterableIterator<SampleRow>;
  const write = db.prepare(`UPDATE hosts SET ${LOAD_HISTORY_COLUMN} = ? WHERE instance_id = ?`);
  // Collected first: better-sqlite3 refuses a write while an iteration is open.
  const byHost = new Map<string, LoadSample[]>();
  for (const { instanceId, ...sample } of rows) {
    const samples = byHost.get(instanceId) ?? [];
    if (samples.length < LOAD_HISTORY_LENGTH) samples.push(sample);
    byHost.set(instanceId, samples);
  }
  for (const [instanceId, samples] of byHost) write.run(encodeHistory(samples), instanceId);
  db.exec("DROP TABLE host_load_history");
}
