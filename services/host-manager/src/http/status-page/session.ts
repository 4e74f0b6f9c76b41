// Status-page sessions: the cookie is `<expiry>.<nonce>.<mac>`, an HMAC keyed by a key
// derived from the fleet token, and the server keeps each live session's nonce with its
// expiry (SessionStore). The token itself never leaves the server (a cookie in a log or
// a proxy leaks nothing reusable elsewhere), rotating the token ends every session, a
// restart keeps them, and signing out ends one for good, even if its cookie was copied.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { SessionStore } from "../../adapters/storage/sessions";

export const SESSION_COOKIE = "hm_session";
/** Long enough for a perf-test run, short enough that a forgotten browser tab expires. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

/** The signed cookie alone: what a value says, if the server signed it. */
export interface Sessions {
  issue(nowMs: number): string;
  verify(value: string | undefined, nowMs: number): boolean;
  /** The nonce of a value the server signed (whatever its expiry), else undefined. */
  idOf(value: string | undefined): string | undefined;
}

const VALUE = /^(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export function makeSessions(token: string): Sessions {
  const key = createHmac("sha256", token).update("host-manager status-page session v1").digest();
  const mac = (payload: string) => createHmac("sha256", key).update(payload).digest("base64url");
  return {
    issue(nowMs) {
      const payload = `${Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS}.${randomBytes(16).toString("base64url")}`;
      return `${payload}.${mac(payload)}`;
    },
    verify(value, nowMs) {
      const match = signed(value);
      return match !== undefined && Number(match[1]) > nowMs / 1000;
    },
    idOf(value) {
      return signed(value)?.[2];
    },
  };
  function signed(value: string | undefined): RegExpExecArray | undefined {
    if (typeof value !== "string") return undefined;
    const match = VALUE.exec(value);
    if (!match) return undefined;
    const expected = Buffer.from(mac(`${match[1]}.${match[2]}`));
    const presented = Buffer.from(match[3] as string);
    // Both are 43 characters here, so the comparison is constant time.
    return timingSafeEqual(expected, presented) ? match : undefined;
  }
}

/**
 * The sessions the status page honours: signed by this server and still on its books.
 * Issuing records one for SESSION_TTL_SECONDS from now; revoking deletes it.
 */
export class SessionBook {
  private readonly sessions: Sessions;

  constructor(
    token: string,
    private readonly store: Pick<SessionStore, "add" | "isLive" | "operatorOf" | "revoke">,
  ) {
    this.sessions = makeSessions(token);
  }

  /** A new session for the operator `operator`. */
  issue(nowMs: number, operator: string): string {
    const value = this.sessions.issue(nowMs);
    const id = this.sessions.idOf(value) as string;
    this.store.add(id, nowMs + SESSION_TTL_SECONDS * 1000, nowMs, operator);
    return value;
  }

  /** The operator whose live session this is (not revoked as an operator: the caller checks). */
  operatorOf(value: string | undefined, nowMs: number): string | undefined {
    if (!this.sessions.verify(value, nowMs)) return undefined;
    return this.store.operatorOf(this.sessions.idOf(value) as string, nowMs);
  }

  /** Signed, unexpired by its cookie, and live on the server (not signed out, within its TTL). */
  verify(value: string | undefined, nowMs: number): boolean {
    if (!this.sessions.verify(value, nowMs)) return false;
    return this.store.isLive(this.sessions.idOf(value) as string, nowMs);
  }

  revoke(value: string | undefined): void {
    const id = this.sessions.idOf(value);
    if (id !== undefined) this.store.revoke(id);
  }
}

/** Reads one cookie from a Cookie header; no dependency for a single value. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${SESSION_TTL_SECONDS}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return [
    `${SESSION_COOKIE}=`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    "Max-Age=0",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}
