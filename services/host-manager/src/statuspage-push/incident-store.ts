// The Statuspage incident the host-manager has open, in the database: a restart (or a
// takeover by the passive manager) resolves that one instead of opening a duplicate.
import type { Db } from "../adapters/storage/database";
import type { IncidentKind } from "./fleet-condition";

export interface OpenIncident {
  readonly id: string;
  readonly kind: IncidentKind;
  readonly openedAt: number;
}

export class IncidentStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      read: db.prepare(
        `SELECT incident_id AS id, kind, opened_at AS openedAt FROM statuspage_incident WHERE slot = 1`,
      ),
      put: db.prepare(
        `INSERT INTO statuspage_incident (slot, incident_id, kind, opened_at) VALUES (1, ?, ?, ?)
         ON CONFLICT (slot) DO UPDATE SET incident_id = excluded.incident_id,
           kind = excluded.kind, opened_at = excluded.opened_at`,
      ),
      clear: db.prepare(`DELETE FROM statuspage_incident WHERE slot = 1`),
    };
  }

  open(): OpenIncident | null {
    return (this.stmt.read.get() as OpenIncident | undefined) ?? null;
  }

  opened(incident: OpenIncident): void {
    this.stmt.put.run(incident.id, incident.kind, incident.openedAt);
  }

  resolved(): void {
    this.stmt.clear.run();
  }
}
