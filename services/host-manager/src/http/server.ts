// The HTTP server every route shares: who may call what (the fleet token, unless a
// route says otherwise), request metrics by route pattern, and errors that never leak
// internals. The JSON API and the status page are registered on it as sibling plugins.
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from "fastify";
import type { Logger } from "pino";
import type { ServiceMetrics } from "../metrics/prometheus";
import type { TokenCheck } from "./auth";
import { peerAddress } from "./peer";
import type { WindowLimiter } from "./rate-limit";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Who may call the route: `bearer` (the default) needs the fleet token in the
     * Authorization header; `page` lets the route check the header or a session cookie
     * itself; `none` is public.
     */
    auth?: "bearer" | "page" | "none";
    /**
     * A read whose cost grows with the fleet (host pages, cycles, the status page,
     * metrics): rate-limited per source address, so polling cannot starve reports.
     */
    heavy?: boolean;
  }
}

/** A report is a few hundred bytes; anything near this is not a report. */
export const BODY_LIMIT_BYTES = 4 * 1024;

export interface HttpServerDeps {
  readonly logger: Logger;
  readonly tokenMatches: TokenCheck;
  readonly metrics: Pick<ServiceMetrics, "observeRequest" | "observeRateLimited">;
  /** Heavy reads (see `heavy`), per source address. */
  readonly heavyReads: WindowLimiter;
  /** Wrong tokens, per source address: over the limit, the address is refused for a while. */
  readonly guesses: WindowLimiter;
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

export function createHttpServer(deps: HttpServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per heartbeat from thousands of hosts would drown everything else.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: at fleet heartbeat rates the allocation shows up in profiles.
    childLoggerFactory: (logger) => logger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    return503OnClosing: true,
  });

  // The two hooks every request passes through take a callback rather than being async:
  // no promise per request for work that never waits. Added here, before any plugin,
  // they apply to every route and to the not-found handler.
  app.addHook("onRequest", (request, reply, done) => {
    const config = request.routeOptions.config;
    // Unmatched routes have no config: they need the token too, so probing learns nothing.
    if ((config?.auth ?? "bearer") === "bearer") {
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
      if (!deps.tokenMatches(authorization)) {
        // No header at all is a client without the token (a browser's favicon), not a guess.
        if (authorization !== undefined) deps.guesses.take(address);
        reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized" });
        return;
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
