// Status-page sessions without server state: the cookie is `<expiry>.<nonce>.<mac>`,
// an HMAC keyed by a key derived from the fleet token. The token itself never leaves
// the server (a cookie in a log or a proxy leaks nothing reusable elsewhere), rotating
// the token ends every session, and a restart keeps them.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "hm_session";
/** Long enough for a perf-test run, short enough that a forgotten browser tab expires. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

export interface Sessions {
  issue(nowMs: number): string;
  verify(value: string | undefined, nowMs: number): boolean;
}

export function makeSessions(token: string): Sessions {
  const key = createHmac("sha256", token).update("host-manager status-page session v1").digest();
  const mac = (payload: string) => createHmac("sha256", key).update(payload).digest("base64url");
  return {
    issue(nowMs) {
      const payload = `${Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS}.${randomBytes(16).toString("base64url")}`;
      return `${payload}.${mac(payload)}`;
    },
    verify(value, nowMs) {
      if (typeof value !== "string") return false;
      const match = /^(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (!match) return false;
      const expected = Buffer.from(mac(`${match[1]}.${match[2]}`));
      const presented = Buffer.from(match[3] as string);
      // Both are 43 characters here, so the comparison is constant time.
      if (!timingSafeEqual(expected, presented)) return false;
      return Number(match[1]) > nowMs / 1000;
    },
  };
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
