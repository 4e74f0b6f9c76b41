// Opens the SQLite database (WAL, durable commits) and brings its schema up to date.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export type Db = Database.Database;

export const DATABASE_FILE = "host-manager.db";

/** Ordered, append-only: a released migration is never edited, only followed by a new one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE hosts (
     instance_id          TEXT PRIMARY KEY,
     cloud_private_ip     TEXT,
     lifecycle_state      TEXT,
     cloud_created_at     INTEGER NOT NULL,
     first_seen_at        INTEGER NOT NULL,
     archived_at          INTEGER,
     status               INTEGER NOT NULL DEFAULT 0,
     status_since         INTEGER NOT NULL,
     last_report_at       INTEGER,
     private_ip           TEXT,
     mac                  TEXT,
     logical_cpus         INTEGER,
     physical_cpus        INTEGER,
     client_version       TEXT,
     hostname             TEXT,
     remediation_state    TEXT NOT NULL DEFAULT 'none',
     remediation_attempts INTEGER NOT NULL DEFAULT 0,
     last_remediation_at  INTEGER,
     version              INTEGER NOT NULL DEFAULT 1
   );
   CREATE TABLE remediation_events (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     instance_id TEXT NOT NULL,
     at          INTEGER NOT NULL,
     action      TEXT NOT NULL,
     outcome     TEXT NOT NULL,
     reason      TEXT,
     detail      TEXT
   );
   CREATE INDEX remediation_events_by_host ON remediation_events (instance_id, id);
   CREATE TABLE cycles (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     started_at  INTEGER NOT NULL,
     finished_at INTEGER NOT NULL,
     summary     TEXT NOT NULL
   );`,
  // Rolling replacement: the instance's generation tag, and when a rollout had ESS replace it.
  `ALTER TABLE hosts ADD COLUMN generation TEXT;
   ALTER TABLE hosts ADD COLUMN rollout_replaced_at INTEGER;`,
];

/** Opens (creating if needed) `<dataDir>/host-manager.db` and applies pending migrations. */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE));
  db.pragma("journal_mode = WAL");
  // FULL: a report is acknowledged only after its commit reached the disk.
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  migrate(db);
  return db;
}

export function migrate(db: Db): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}
