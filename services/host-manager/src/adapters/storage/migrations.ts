// The schema, as the steps that build it: migrate() applies those a database has not had
// yet, numbered by SQLite's user_version. TypeScript rather than .sql files, so the
// build (tsc) carries them into dist/ with no copy step.

import type { Db } from "./database";
import { moveLoadHistoryIntoHosts } from "./load-history-migration";

/** SQL, or a function for a step that moves data SQL alone cannot (run in its transaction). */
export type Migration = string | ((db: Db) => void);

/** Ordered, append-only: a released migration is never edited, only followed by a new one. */
export const MIGRATIONS: readonly Migration[] = [
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
  // Status-page sessions kept on the server: signing out revokes one, and none outlives
  // the expiry written here, whatever its cookie says.
  `-- svc-http
   CREATE TABLE sessions (
     id         TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );`,
  // -- svc-cloud: removals (ESS RemoveInstances) not yet accepted, kept until they are.
  // client_token is set while a request for the row may have reached ESS unanswered:
  // resending it with the same token cannot remove twice.
  `CREATE TABLE pending_removals (
     instance_id  TEXT PRIMARY KEY,
     origin       TEXT NOT NULL,
     reason       TEXT NOT NULL,
     detail       TEXT,
     requested_at INTEGER NOT NULL,
     tries        INTEGER NOT NULL DEFAULT 0,
     last_error   TEXT,
     client_token TEXT
   );`,
  // -- svc-cloud: the lease that makes one host-manager on a database the active one.
  // One row; `beat` goes up at every renewal, which is what a passive manager watches
  // (on its own monotonic clock); the times are wall-clock, for people.
  `CREATE TABLE lease (
     name        TEXT PRIMARY KEY,
     holder      TEXT,
     acquired_at INTEGER NOT NULL,
     renewed_at  INTEGER NOT NULL,
     expires_at  INTEGER NOT NULL,
     beat        INTEGER NOT NULL
   );`,
  // -- svc-cloud: remediations under way. Written, with the host's attempt counted and its
  // cooldown started, before the cloud call; deleted when its outcome is recorded. A row
  // left at start-up is a call whose answer a stopped process never saw: it is kept as
  // done (never repeated); prev_* undo the count when ECS refused it outright.
  `CREATE TABLE remediation_intents (
     instance_id              TEXT PRIMARY KEY,
     action                   TEXT NOT NULL,
     reason                   TEXT NOT NULL,
     started_at               INTEGER NOT NULL,
     prev_state               TEXT NOT NULL,
     prev_attempts            INTEGER NOT NULL,
     prev_last_remediation_at INTEGER
   );`,
  // -- svc-cloud: slots, the places in the group a replace hands on from one host to the
  // next. ESS names no link between a removed instance and the one it launches, so each
  // replace is a handoff the next new instance takes up (oldest first); strikes count the
  // hosts in a row in the slot that never came up, and a failed slot says why.
  `CREATE TABLE slot_handoffs (
     from_instance TEXT PRIMARY KEY,
     slot          TEXT NOT NULL,
     origin        TEXT NOT NULL,
     strikes       INTEGER NOT NULL,
     at            INTEGER NOT NULL,
     to_instance   TEXT
   );
   CREATE INDEX slot_handoffs_by_time ON slot_handoffs (at);
   CREATE TABLE host_slots (
     instance_id   TEXT PRIMARY KEY,
     slot          TEXT NOT NULL,
     strikes       INTEGER NOT NULL,
     failed_at     INTEGER,
     failed_reason TEXT
   );`,
  // -- freeze: the fleet's freeze and the rollout's pause, one row each (kind), kept
  // across restarts. ends_at is the freeze's end; a pause has none (resumed by hand).
  `CREATE TABLE fleet_holds (
     kind       TEXT PRIMARY KEY,
     held_by    TEXT NOT NULL,
     reason     TEXT NOT NULL,
     started_at INTEGER NOT NULL,
     ends_at    INTEGER
   );`,
  // -- operators: people apart from hosts. A token is 256 random bits, so its SHA-256 is
  // stored (no slow hash needed: there is no dictionary to try); revoked_at set ends it.
  // Each session belongs to an operator (those signed in with the fleet token end here),
  // and the audit log says who did what, when, why, and how it went.
  `-- operators
   CREATE TABLE operators (
     name       TEXT PRIMARY KEY,
     role       TEXT NOT NULL CHECK (role IN ('viewer', 'operator')),
     token_hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   DELETE FROM sessions;
   ALTER TABLE sessions ADD COLUMN operator TEXT NOT NULL DEFAULT '';
   CREATE TABLE audit_log (
     id      INTEGER PRIMARY KEY AUTOINCREMENT,
     at      INTEGER NOT NULL,
     who     TEXT NOT NULL,
     action  TEXT NOT NULL,
     target  TEXT,
     reason  TEXT,
     outcome TEXT NOT NULL
   );`,
  // -- wip-metrics: the Statuspage incident the host-manager opened and has not yet
  // resolved (at most one), so a restart resolves it rather than opening another.
  `CREATE TABLE statuspage_incident (
     slot        INTEGER PRIMARY KEY CHECK (slot = 1),
     incident_id TEXT NOT NULL,
     kind        TEXT NOT NULL,
     opened_at   INTEGER NOT NULL
   );`,
  // -- wip-idsvc (issue 15): hosts prove who they are. A challenge is one use, short-lived
  // (the audience a host's identity signature covers); a host's credential is 256 random
  // bits of which only the SHA-256 is kept, one per instance, replaced at each registration.
  `CREATE TABLE registration_challenges (
     challenge  TEXT PRIMARY KEY,
     issued_to  TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX registration_challenges_by_expiry ON registration_challenges (expires_at);
   CREATE TABLE host_credentials (
     instance_id     TEXT PRIMARY KEY,
     credential_hash TEXT NOT NULL UNIQUE,
     issued_at       INTEGER NOT NULL
   );`,
  // -- wip-spot: the spot interruption notice (its release time, in ms) and the latest load
  // figures on the host, and a short history of the figures per host (at most
  // LOAD_HISTORY_LENGTH rows each, pruned as reports come): what saturation is judged on.
  `ALTER TABLE hosts ADD COLUMN spot_termination_at INTEGER;
   ALTER TABLE hosts ADD COLUMN cpu_percent REAL;
   ALTER TABLE hosts ADD COLUMN memory_available_percent REAL;
   ALTER TABLE hosts ADD COLUMN client_cpu_percent REAL;
   ALTER TABLE hosts ADD COLUMN client_working_set_bytes INTEGER;
   CREATE TABLE host_load_history (
     id                       INTEGER PRIMARY KEY AUTOINCREMENT,
     instance_id              TEXT NOT NULL,
     at                       INTEGER NOT NULL,
     cpu_percent              REAL,
     memory_available_percent REAL,
     client_cpu_percent       REAL,
     client_working_set_bytes INTEGER
   );
   CREATE INDEX host_load_history_by_host ON host_load_history (instance_id, id);`,
  // -- main (issue 14 item 5): the instance's zone, so the status page groups by it.
  `ALTER TABLE hosts ADD COLUMN zone_id TEXT;`,
  // -- wip-jobs: fleet jobs, an action on chosen hosts, each host's part a task. A task's
  // version goes up at every change of state (an accept names the one it saw, so a task
  // is reserved by one host once); ttr_from is when its time-to-run started (offered,
  // accepted or last heard from); due_at when a delayed retry is due.
  `-- wip-jobs
   CREATE TABLE jobs (
     id                INTEGER PRIMARY KEY AUTOINCREMENT,
     action            TEXT NOT NULL,
     params            TEXT NOT NULL,
     selector          TEXT NOT NULL,
     submitted_by      TEXT NOT NULL,
     reason            TEXT NOT NULL,
     submitted_at      INTEGER NOT NULL,
     concurrency       INTEGER NOT NULL CHECK (concurrency >= 1),
     ttr_ms            INTEGER NOT NULL,
     max_attempts      INTEGER NOT NULL CHECK (max_attempts >= 1),
     retry_delay_ms    INTEGER NOT NULL,
     deadline_at       INTEGER,
     run_during_freeze INTEGER NOT NULL DEFAULT 0,
     revoked_at        INTEGER,
     revoked_by        TEXT,
     finished_at       INTEGER
   );
   CREATE TABLE job_tasks (
     id          INTEGER PRIMARY KEY AUTOINCREMENT,
     job_id      INTEGER NOT NULL REFERENCES jobs (id),
     instance_id TEXT NOT NULL,
     state       TEXT NOT NULL CHECK (state IN
       ('pending', 'ready', 'reserved', 'delayed', 'success', 'failed', 'buried', 'revoked')),
     version     INTEGER NOT NULL DEFAULT 1,
     attempts    INTEGER NOT NULL DEFAULT 0,
     due_at      INTEGER,
     ttr_from    INTEGER,
     reserved_at INTEGER,
     finished_at INTEGER,
     retcode     INTEGER,
     message     TEXT,
     data        TEXT,
     progress    TEXT,
     UNIQUE (job_id, instance_id)
   );
   CREATE INDEX job_tasks_by_host ON job_tasks (instance_id, state);
   CREATE INDEX job_tasks_by_job_state ON job_tasks (job_id, state);
   CREATE INDEX job_tasks_by_state ON job_tasks (state, ttr_from);
   CREATE INDEX jobs_unfinished ON jobs (finished_at);`,
  // The status page's chart (up to 7 days): each cycle's counts, kept a week, apart from
  // the cycles themselves (their summaries list hosts, so only the last 200 are kept).
  // Filled from the cycles already stored.
  `CREATE TABLE cycle_counts (
     finished_at INTEGER NOT NULL,
     total       INTEGER NOT NULL,
     healthy     INTEGER NOT NULL,
     unhealthy   INTEGER NOT NULL,
     remediating INTEGER NOT NULL,
     failed      INTEGER NOT NULL,
     outdated    INTEGER NOT NULL
   );
   CREATE INDEX cycle_counts_by_time ON cycle_counts (finished_at);
   INSERT INTO cycle_counts
     SELECT finished_at, json_extract(summary, '$.total'), json_extract(summary, '$.healthy'),
       json_extract(summary, '$.unhealthy'), json_extract(summary, '$.remediating'),
       json_extract(summary, '$.failed'), coalesce(json_extract(summary, '$.outdated'), 0)
     FROM cycles ORDER BY id;`,
  // Each host's load history in its own row, one BLOB of samples (load-samples.ts): a
  // report with load figures then changes one row, where it inserted, indexed and pruned.
  moveLoadHistoryIntoHosts,
];
