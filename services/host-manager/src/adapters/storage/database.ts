// Opens the SQLite database (WAL on a local disk, a rollback journal on a network file
// system; durable commits) and brings its schema up to date.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "./migrations";

export type Db = Database.Database;

export const DATABASE_FILE = "host-manager.db";

export interface DatabaseOptions {
  /**
   * The data directory is on a network file system (NAS over NFS): use the rollback
   * journal (DELETE), never WAL. WAL keeps its index in shared memory and requires every
   * process on one host; "WAL does not work over a network filesystem"
   * (https://www.sqlite.org/wal.html, Limitations, first bullet).
   */
  readonly networkFs?: boolean;
}

/**
 * Opens (creating if needed) `<dataDir>/host-manager.db`, applies pending migrations and
 * proves it can write: throws rather than hand back a database it cannot write.
 */
export function openDatabase(dataDir: string, options: DatabaseOptions = {}): Db {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, DATABASE_FILE);
  const db = new Database(path);
  const wanted = options.networkFs ? "delete" : "wal";
  // Leaving WAL needs the database to itself: with another connection in it, SQLite
  // refuses (locked) or keeps the old mode, and either must stop the start, not pass.
  let mode: string;
  try {
    mode = String(db.pragma(`journal_mode = ${wanted.toUpperCase()}`, { simple: true }));
  } catch (error) {
    mode = error instanceof Error ? error.message : String(error);
  }
  if (mode.toLowerCase() !== wanted) {
    db.close();
    throw new Error(
      `cannot set journal_mode ${wanted} (${mode}): is another process using the database?`,
    );
  }
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
      const step = MIGRATIONS[version];
      if (typeof step === "string") db.exec(step);
      else step(db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}
