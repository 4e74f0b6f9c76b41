// Registration's state (issue 15): the one-time challenges handed out, and each host's
// credential. A credential is 256 random bits, so its SHA-256 is stored (as operators'
// tokens are: no dictionary to try, and a report looks it up by an index). One row per
// instance: registering again replaces the credential, so the last boot's is the only one.
// Every report looks its credential up, so the lookups are kept in memory: by hash, never
// the credential itself, and only for credentials found (a guess costs the database).
// Only the active manager issues credentials, through this store, which keeps the memory
// in step; a change of role forgets it all (the other manager may have issued since).
import { HOST_CREDENTIAL_PREFIX } from "@hpc-fleet/fleet-contract";
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "./database";

/** A new challenge: 32 random bytes, base64url without padding (43 characters). */
export function newChallenge(): string {
  return randomBytes(32).toString("base64url");
}

/** A new host credential: the prefix and 32 random bytes, base64url. */
export function newHostCredential(): string {
  return `${HOST_CREDENTIAL_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function hashHostCredential(credential: string): string {
  return createHash("sha256").update(credential, "utf8").digest("hex");
}

/** Lookups kept before the memory starts over: far above any fleet's hosts. */
export const CACHED_CREDENTIALS = 100_000;

export class HostCredentialStore {
  private readonly stmt;
  private readonly consumeTx;
  /** Credential hash -> instance id, of credentials found or issued here. */
  private readonly instanceByHash = new Map<string, string>();
  /** Instance id -> the hash cached for it, so a new credential drops the old one. */
  private readonly hashByInstance = new Map<string, string>();

  constructor(db: Db) {
    this.stmt = {
      addChallenge: db.prepare(
        `INSERT INTO registration_challenges (challenge, issued_to, expires_at) VALUES (?, ?, ?)`,
      ),
      takeChallenge: db.prepare<[string], { expires_at: number }>(
        `DELETE FROM registration_challenges WHERE challenge = ? RETURNING expires_at`,
      ),
      dropExpired: db.prepare(`DELETE FROM registration_challenges WHERE expires_at <= ?`),
      outstanding: db.prepare<[], number>(`SELECT COUNT(*) FROM registration_challenges`).pluck(),
      issue: db.prepare(
        `INSERT INTO host_credentials (instance_id, credential_hash, issued_at) VALUES (?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE
           SET credential_hash = excluded.credential_hash, issued_at = excluded.issued_at`,
      ),
      instanceOf: db
        .prepare<[string], string>(
          `SELECT instance_id FROM host_credentials WHERE credential_hash = ?`,
        )
        .pluck(),
      hashOf: db
        .prepare<[string], string>(
          `SELECT credential_hash FROM host_credentials WHERE instance_id = ?`,
        )
        .pluck(),
    };
    this.consumeTx = db.transaction((challenge: string, now: number) => {
      const row = this.stmt.takeChallenge.get(challenge);
      return row !== undefined && row.expires_at > now;
    });
  }

  /** Records a challenge for `address`, good until `expiresAt`; drops the expired ones. */
  addChallenge(challenge: string, address: string, expiresAt: number, now: number): void {
    this.stmt.dropExpired.run(now);
    this.stmt.addChallenge.run(challenge, address, expiresAt);
  }

  /** Challenges handed out and not yet used or swept. */
  outstandingChallenges(): number {
    return this.stmt.outstanding.get() ?? 0;
  }

  /**
   * Uses up `challenge`: true if it was issued and had not expired. Whatever the answer,
   * it is gone: a challenge is tried once.
   */
  consumeChallenge(challenge: string, now: number): boolean {
    return this.consumeTx(challenge, now);
  }

  /** A new credential for `instanceId`, replacing its previous one; returned once, in clear. */
  issue(instanceId: string, now: number): string {
    const credential = newHostCredential();
    const hash = hashHostCredential(credential);
    this.stmt.issue.run(instanceId, hash, now);
    this.remember(hash, instanceId);
    return credential;
  }

  /** The instance a credential belongs to, or undefined. */
  instanceOf(credential: string): string | undefined {
    if (!credential.startsWith(HOST_CREDENTIAL_PREFIX)) return undefined;
    const hash = hashHostCredential(credential);
    const cached = this.instanceByHash.get(hash);
    if (cached !== undefined) return cached;
    const instanceId = this.stmt.instanceOf.get(hash);
    if (instanceId !== undefined) this.remember(hash, instanceId);
    return instanceId;
  }

  /** Forgets every lookup kept: on a change of role, when another manager may have issued. */
  forgetCached(): void {
    this.instanceByHash.clear();
    this.hashByInstance.clear();
  }

  private remember(hash: string, instanceId: string): void {
    const previous = this.hashByInstance.get(instanceId);
    if (previous !== undefined) this.instanceByHash.delete(previous);
    if (this.instanceByHash.size >= CACHED_CREDENTIALS) this.forgetCached();
    this.instanceByHash.set(hash, instanceId);
    this.hashByInstance.set(instanceId, hash);
  }

  /** The stored hash of an instance's credential (tests: "unchanged"). */
  hashOf(instanceId: string): string | undefined {
    return this.stmt.hashOf.get(instanceId);
  }
}
