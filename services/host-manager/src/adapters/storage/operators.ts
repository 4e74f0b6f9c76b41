// Named operators, apart from the hosts' fleet token: each has a role and a token of
// which only the SHA-256 is kept. The token is 256 random bits, so a slow hash (scrypt)
// would add nothing: it slows the guessing of low-entropy passwords, and there is no
// dictionary for a random 256-bit value. A fast hash also lets each request look the
// token up by its hash (an index), with no per-request key stretching.
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "./database";

export const OPERATOR_ROLES = ["viewer", "operator"] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** Letters, digits, dot, dash, underscore; what a log line and a URL carry unescaped. */
export const OPERATOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface Operator {
  readonly name: string;
  readonly role: OperatorRole;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

/** A new token: 32 random bytes, base64url (43 characters), prefixed so it is recognisable. */
export function newOperatorToken(): string {
  return `hmo_${randomBytes(32).toString("base64url")}`;
}

export function hashOperatorToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export class OperatorError extends Error {}

interface Row {
  name: string;
  role: OperatorRole;
  created_at: number;
  revoked_at: number | null;
}

const toOperator = (row: Row): Operator => ({
  name: row.name,
  role: row.role,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

export class OperatorStore {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = {
      add: db.prepare(
        `INSERT INTO operators (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)`,
      ),
      list: db.prepare<[], Row>(
        `SELECT name, role, created_at, revoked_at FROM operators ORDER BY name`,
      ),
      byName: db.prepare<[string], Row>(
        `SELECT name, role, created_at, revoked_at FROM operators WHERE name = ?`,
      ),
      byHash: db.prepare<[string], Row>(
        `SELECT name, role, created_at, revoked_at FROM operators
          WHERE token_hash = ? AND revoked_at IS NULL`,
      ),
      active: db.prepare<[string], Row>(
        `SELECT name, role, created_at, revoked_at FROM operators
          WHERE name = ? AND revoked_at IS NULL`,
      ),
      revoke: db.prepare(
        `UPDATE operators SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`,
      ),
      hashOf: db
        .prepare<[string], string>(`SELECT token_hash FROM operators WHERE name = ?`)
        .pluck(),
    };
  }

  /** Adds an operator with a new token and returns the token: the only time it exists in clear. */
  add(name: string, role: OperatorRole, now: number): string {
    const token = newOperatorToken();
    this.addWithToken(name, role, token, now);
    return token;
  }

  /** Adds an operator whose token was made elsewhere (the seeded one). */
  addWithToken(name: string, role: OperatorRole, token: string, now: number): void {
    if (!OPERATOR_NAME.test(name)) {
      throw new OperatorError(
        `operator name ${JSON.stringify(name)} must be 1-64 letters, digits, '.', '-' or '_'`,
      );
    }
    if (!OPERATOR_ROLES.includes(role)) {
      throw new OperatorError(`role must be one of ${OPERATOR_ROLES.join(", ")}`);
    }
    if (this.stmt.byName.get(name) !== undefined) {
      throw new OperatorError(`operator ${name} exists already (names are never reused)`);
    }
    this.stmt.add.run(name, role, hashOperatorToken(token), now);
  }

  /** Whether `name` exists with exactly this token (revoked or not). */
  hasToken(name: string, token: string): boolean {
    return this.stmt.hashOf.get(name) === hashOperatorToken(token);
  }

  list(): Operator[] {
    return this.stmt.list.all().map(toOperator);
  }

  byName(name: string): Operator | undefined {
    const row = this.stmt.byName.get(name);
    return row && toOperator(row);
  }

  /** The live (unrevoked) operator holding this token. */
  byToken(token: string): Operator | undefined {
    const row = this.stmt.byHash.get(hashOperatorToken(token));
    return row && toOperator(row);
  }

  /** The operator, if it exists and is not revoked. */
  active(name: string): Operator | undefined {
    const row = this.stmt.active.get(name);
    return row && toOperator(row);
  }

  /** Revokes at once; false when there is no such live operator. */
  revoke(name: string, now: number): boolean {
    return this.stmt.revoke.run(now, name).changes > 0;
  }
}
