// Opens the SQLite database (WAL, durable commits) and brings its schema up to date.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "./migrations";

export type Db = Database.Database;

export const DATABASE_FILE = "host-manager.db";

/**
 * Opens (creating if needed) `<dataDir>/host-manager.db`, applies pending migrations and
 * proves it can write: throws rather than hand back a database it cannot write.
 */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DATABASE_FILE);
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // FULL: a report is acknowledged only after its commit reached the disk.
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  migrate(db);
  try {
    proveWritable(db);
  } catch (error) {
    db.close();
    throw new Error(`the database ${path} is not writable: ${String(error)}`, { cause: error });
  }
  return db;
}

/**
 * A real write, committed: SQLite opens a file it may not write read-only without a
 * word, and a migrated database needs no write to start, so without this the service
 * would start, answer its probe and refuse every report. Rewriting user_version with
 * its own value is a write transaction that changes nothing.
 */
export function proveWritable(db: Db): void {
  db.pragma(`user_version = ${schemaVersion(db)}`);
}

export function migrate(db: Db): void {
  for (let version = schemaVersion(db); version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}
