// Bearer-token check in constant time. The presented token is compared with a
// buffer of the expected token's length whatever its own length, so the time
// taken depends on neither where the first difference is nor the token's length.
// During a rotation two tokens are valid: the presented one is compared with both,
// always, so the time taken does not tell which (if either) it matched. A host's own
// credential (issue 15) is looked up by its SHA-256: the lookup leaks nothing of a
// 256-bit random value.
import { timingSafeEqual } from "node:crypto";

/** Equality in time that depends only on `expected`'s length. */
export function constantTimeEquals(presented: Buffer, expected: Buffer): boolean {
  const sameLength = presented.length === expected.length;
  return timingSafeEqual(sameLength ? presented : expected, expected) && sameLength;
}

export interface TokenCheckOptions {
  /** Told when a request was let in by the previous token (to see when it is unused). */
  readonly onPreviousToken?: () => void;
}

/** Whether an Authorization header carries the fleet token (or, in a rotation, the previous one). */
export type TokenCheck = (authorization: string | undefined) => boolean;

export function makeTokenCheck(
  token: string,
  previousToken?: string,
  options: TokenCheckOptions = {},
): TokenCheck {
  const current = Buffer.from(token, "utf8");
  const previous = previousToken === undefined ? undefined : Buffer.from(previousToken, "utf8");
  return (authorization) => {
    if (typeof authorization !== "string" || !authorization.startsWith("Bearer ")) return false;
    const presented = Buffer.from(authorization.slice(7).trim(), "utf8");
    // Both comparisons run before either result is looked at: no early exit.
    const matchesCurrent = constantTimeEquals(presented, current);
    const matchesPrevious = previous !== undefined && constantTimeEquals(presented, previous);
    if (matchesPrevious && !matchesCurrent) options.onPreviousToken?.();
    return matchesCurrent || matchesPrevious;
  };
}

declare module "fastify" {
  interface FastifyRequest {
    /** Who sent a report, set by the server's auth hook on `fleet` routes; null elsewhere. */
    reporter: Reporter | null;
  }
}

/**
 * Who a report comes from: a host by its own credential (it may report only for its
 * instance), or, while the fallback is on, a holder of the shared fleet token.
 */
export type Reporter =
  { readonly kind: "host"; readonly instanceId: string } | { readonly kind: "fleet-token" };

/** The reporter an Authorization header names, or undefined when it names none. */
export type ReporterCheck = (authorization: string | undefined) => Reporter | undefined;

export interface ReporterCheckDeps {
  /** The instance a host credential belongs to (a hash lookup). */
  readonly instanceOf: (credential: string) => string | undefined;
  /** The fleet token check, only while the fallback is on; absent: the token reports nothing. */
  readonly fleetToken?: TokenCheck;
}

export function makeReporterCheck(deps: ReporterCheckDeps): ReporterCheck {
  return (authorization) => {
    if (typeof authorization !== "string" || !authorization.startsWith("Bearer ")) {
      return undefined;
    }
    const instanceId = deps.instanceOf(authorization.slice(7).trim());
    if (instanceId !== undefined) return { kind: "host", instanceId };
    if (deps.fleetToken?.(authorization)) return { kind: "fleet-token" };
    return undefined;
  };
}
