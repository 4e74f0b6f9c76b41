// Who an operator request comes from: an operator's bearer token (the API, the status
// page, /metrics) or an operator's session cookie (the status page only). The fleet
// token is not an operator: it may only report. Roles: a `viewer` reads, an `operator`
// may also act; every state-changing route needs `operator` (see ../server.ts and
// requireRole below), so a new route cannot forget it.
import type { FastifyReply, FastifyRequest, preHandlerHookHandler } from "fastify";
import type { Clock } from "../clock";
import type { Operator, OperatorRole, OperatorStore } from "../adapters/storage/operators";
import type { SessionBook } from "./status-page/session";
import { readCookie, SESSION_COOKIE } from "./status-page/session";

declare module "fastify" {
  interface FastifyRequest {
    /** The operator the request comes from, set by the server's auth hook; null if none. */
    operator: Operator | null;
  }
}

/** Reads with no effect; anything else changes state and needs the `operator` role. */
export const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

const RANK: Record<OperatorRole, number> = { viewer: 0, operator: 1 };

export function hasRole(operator: Operator | null, role: OperatorRole): boolean {
  return operator !== null && RANK[operator.role] >= RANK[role];
}

export interface OperatorAuth {
  /** The live operator whose token the header carries. */
  fromBearer(authorization: string | undefined): Operator | undefined;
  /** The live operator whose live session the Cookie header carries. */
  fromSession(cookieHeader: string | undefined): Operator | undefined;
}

export function makeOperatorAuth(deps: {
  readonly operators: Pick<OperatorStore, "byToken" | "active">;
  readonly sessions: Pick<SessionBook, "operatorOf">;
  readonly clock: Clock;
}): OperatorAuth {
  return {
    fromBearer(authorization) {
      if (typeof authorization !== "string" || !authorization.startsWith("Bearer ")) {
        return undefined;
      }
      const token = authorization.slice(7).trim();
      return token === "" ? undefined : deps.operators.byToken(token);
    },
    fromSession(cookieHeader) {
      const name = deps.sessions.operatorOf(
        readCookie(cookieHeader, SESSION_COOKIE),
        deps.clock.now(),
      );
      // Looked up each time: revoking the operator ends its sessions at once.
      return name === undefined ? undefined : deps.operators.active(name);
    },
  };
}

/** 401 without an operator, 403 with one whose role is below `role`. */
export function refuseUnlessRole(
  request: FastifyRequest,
  reply: FastifyReply,
  role: OperatorRole,
): FastifyReply | undefined {
  if (request.operator === null) {
    return reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized" });
  }
  if (!hasRole(request.operator, role)) {
    return reply.code(403).send({ error: `needs the ${role} role` });
  }
  return undefined;
}

/**
 * A preHandler for a route that needs `role` whatever its method. State-changing
 * methods get `operator` from the server's hook already; a route adds this to say so
 * where it is declared, or to need a role for a read.
 */
export function requireRole(role: OperatorRole): preHandlerHookHandler {
  return (request, reply, done) => {
    if (refuseUnlessRole(request, reply, role)) return;
    done();
  };
}
