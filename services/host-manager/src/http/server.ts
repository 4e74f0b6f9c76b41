// The HTTP server every route shares: who may call what (an operator, unless a route
// says otherwise; the fleet token only where a route asks for it, to report), request metrics by route pattern, and errors that never leak
// internals. The JSON API and the status page are registered on it as sibling plugins.
import Fastify, {
  LogController,
  type FastifyContextConfig,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from "fastify";
import type { Logger } from "pino";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { Socket } from "node:net";
import type { ServiceMetrics } from "../metrics/prometheus";
import type { ReporterCheck, TokenCheck } from "./auth";
import { hasRole, READ_METHODS, type OperatorAuth } from "./operator-auth";
import { peerAddress } from "./peer";
import { isCrossSite } from "./status-page/same-origin";
import type { WindowLimiter } from "./rate-limit";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Who may call the route: `operator` (the default) needs an operator's token in the
     * Authorization header; `page` also takes an operator's session cookie and leaves a
     * request with neither to the route (the status page redirects to sign-in); `fleet`
     * needs a host's own credential, or the fleet token while the fallback is on (host
     * reports, nothing else); `none` is public. On `operator`
     * and `page` routes every method but a read needs the `operator` role.
     */
    auth?: "operator" | "page" | "fleet" | "none";
    /**
     * A read whose cost grows with the fleet (host pages, cycles, the status page,
     * metrics): rate-limited per source address, so polling cannot starve reports.
     */
    heavy?: boolean;
  }
}

/** A report is a few hundred bytes; anything near this is not a report. */
export const BODY_LIMIT_BYTES = 4 * 1024;

/** How many sockets the server holds, and for how long an idle or slow one. */
export interface ConnectionLimits {
  /** Open sockets in all; capped further by the process's file-descriptor limit. */
  readonly maxConnections: number;
  /** Open sockets from one address (the TCP peer). */
  readonly maxConnectionsPerAddress: number;
  /**
   * A socket that sends nothing for this long is closed: before its first byte (Node's
   * header timeout only starts with one), or stalled in the middle of a request.
   */
  readonly idleTimeoutMs: number;
  /** From a request's first byte to the end of its headers: a trickle of bytes ends too. */
  readonly headersTimeoutMs: number;
  /** From connecting to the end of the request. */
  readonly requestTimeoutMs: number;
  /** An idle kept-alive socket is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** How often the header and request timeouts are checked. */
  readonly timeoutCheckIntervalMs: number;
}

/**
 * For 10,000 hosts that each post a few hundred bytes a minute over the VPC. A host
 * sends its headers at once and its body in one packet, so seconds are generous: a
 * socket that sends nothing is closed after idleTimeout, one that trickles its headers
 * within headersTimeout plus a check. A host's
 * next report is 60 s away, so keeping its socket alive longer than a few seconds only
 * holds a descriptor: at 5 s the fleet keeps about 167 × 5 ≈ 850 idle sockets at most.
 * 4,096 sockets leave room for those, retries and operators; one address (a host uses
 * one, the benchmark 100 from loopback) gets 128, so it cannot take them all.
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 4_096,
  maxConnectionsPerAddress: 128,
  idleTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
  timeoutCheckIntervalMs: 2_000,
};

/** Descriptors kept for the database, its WAL, logs and outgoing calls. */
const RESERVED_DESCRIPTORS = 256;

/** The soft limit on open files (Node raises it to the hard limit at start), if known. */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}

/** Caps the server's sockets, in all (below the descriptor limit) and per address. */
function limitConnections(server: Server, limits: ConnectionLimits): void {
  const fds = openFileLimit();
  server.maxConnections =
    fds === undefined
      ? limits.maxConnections
      : Math.max(1, Math.min(limits.maxConnections, fds - RESERVED_DESCRIPTORS));
  const perAddress = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = peerAddress(socket);
    const open = (perAddress.get(address) ?? 0) + 1;
    if (open > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, open);
    socket.once("close", () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
}

export interface HttpServerDeps {
  readonly logger: Logger;
  /** The fleet token: told apart from a guess on operator routes (it may only report). */
  readonly tokenMatches: TokenCheck;
  /** Who may report: a host's credential, or the fleet token while the fallback is on. */
  readonly reporter: ReporterCheck;
  readonly operatorAuth: OperatorAuth;
  readonly metrics: Pick<ServiceMetrics, "observeRequest" | "observeRateLimited">;
  /** Heavy reads (see `heavy`), per source address. */
  readonly heavyReads: WindowLimiter;
  /** Wrong tokens, per source address: over the limit, the address is refused for a while. */
  readonly guesses: WindowLimiter;
  readonly connections?: Partial<ConnectionLimits>;
  /** Serve HTTPS with this certificate and key (PEM); HTTP without. */
  readonly tls?: { readonly certPem: string; readonly keyPem: string };
}

/** A 429 that says when to come back. */
export function tooManyRequests(
  reply: FastifyReply,
  limiter: WindowLimiter,
  address: string,
): FastifyReply {
  return reply
    .code(429)
    .header("retry-after", String(limiter.retryAfterSeconds(address)))
    .send({ error: "too many requests" });
}

/** A route as registered: what the auth tests walk, so a new route cannot be missed. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly auth: NonNullable<FastifyContextConfig["auth"]>;
}

const registeredRoutes = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered on a server made by createHttpServer, in order. */
export function routesOf(app: FastifyInstance): readonly RegisteredRoute[] {
  return registeredRoutes.get(app) ?? [];
}

export function createHttpServer(deps: HttpServerDeps): FastifyInstance {
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...deps.connections };
  // HTTPS when given a certificate (every deployment: the stack's private CA), HTTP in dev.
  const app = Fastify({
    ...(deps.tls ? { https: { cert: deps.tls.certPem, key: deps.tls.keyPem } } : {}),
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per heartbeat from thousands of hosts would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: at fleet heartbeat rates the allocation shows up in profiles.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Socket inactivity: closes sockets that never send a byte, or stall.
    connectionTimeout: limits.idleTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
    return503OnClosing: true,
  });
  limitConnections(app.server, limits);
  const routes: RegisteredRoute[] = [];
  registeredRoutes.set(app, routes);
  app.addHook("onRoute", (route) => {
    const auth = (route.config as FastifyContextConfig | undefined)?.auth ?? "operator";
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, auth });
  });

  // The two hooks every request passes through take a callback rather than being async:
  // no promise per request for work that never waits. Added here, before any plugin,
  // they apply to every route and to the not-found handler.
  app.decorateRequest("operator", null);
  app.decorateRequest("reporter", null);
  app.addHook("onRequest", (request, reply, done) => {
    const config = request.routeOptions.config;
    // Unmatched routes have no config: they need a token too, so probing learns nothing.
    const auth = config?.auth ?? "operator";
    if (auth !== "none") {
      const address = peerAddress(request.socket);
      // An address that guessed too often is refused even the right token for the rest of
      // the window, so a guess that hits tells nothing. Replying from a callback hook
      // ends the chain: done is not called.
      if (deps.guesses.blocked(address)) {
        deps.metrics.observeRateLimited("guesses");
        tooManyRequests(reply, deps.guesses, address);
        return;
      }
      const { authorization } = request.headers;
      if (auth === "fleet") {
        const reporter = deps.reporter(authorization);
        if (reporter === undefined) {
          refuse(reply, address, authorization);
          return;
        }
        request.reporter = reporter;
      } else {
        const bySession = auth === "page" && authorization === undefined;
        const operator = bySession
          ? deps.operatorAuth.fromSession(request.headers.cookie)
          : deps.operatorAuth.fromBearer(authorization);
        request.operator = operator ?? null;
        // A browser sends the cookie whichever site posts: a session acts only from here.
        if (bySession && !READ_METHODS.has(request.method) && isCrossSite(request)) {
          reply.code(403).send({ error: "refused: posted from another site" });
          return;
        }
        if (operator === undefined) {
          if (deps.tokenMatches(authorization)) {
            // A host's token, not a guess: it is refused without counting against the address.
            reply.code(403).send({ error: "the fleet token may only report" });
            return;
          }
          // The status page sends a reader without a session to sign in.
          if (!(auth === "page" && READ_METHODS.has(request.method))) {
            refuse(reply, address, authorization);
            return;
          }
          if (authorization !== undefined) deps.guesses.take(address);
        } else if (!READ_METHODS.has(request.method) && !hasRole(operator, "operator")) {
          reply.code(403).send({ error: "needs the operator role" });
          return;
        }
      }
    }
    if (config?.heavy) {
      const address = peerAddress(request.socket);
      if (!deps.heavyReads.take(address)) {
        deps.metrics.observeRateLimited("heavy-reads");
        tooManyRequests(reply, deps.heavyReads, address);
        return;
      }
    }
    done();
  });

  /** 401; a wrong token (not a missing one: a browser's favicon) counts as a guess. */
  function refuse(reply: FastifyReply, address: string, authorization: string | undefined): void {
    if (authorization !== undefined) deps.guesses.take(address);
    reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized" });
  }

  // Route patterns, not URLs, as labels: a scan of random paths cannot blow up the series.
  app.addHook("onResponse", (request, reply, done) => {
    deps.metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? "unmatched",
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, "request failed");
    return reply.code(status).send({ error: status >= 500 ? "internal error" : error.message });
  });

  return app;
}
