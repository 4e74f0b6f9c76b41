// The HTTP server every route shares: who may call what (the fleet token, unless a
// route says otherwise), request metrics by route pattern, and errors that never leak
// internals. The JSON API and the status page are registered on it as sibling plugins.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { ServiceMetrics } from "../metrics/prometheus";
import type { TokenCheck } from "./auth";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Who may call the route: `bearer` (the default) needs the fleet token in the
     * Authorization header; `page` lets the route check the header or a session cookie
     * itself; `none` is public.
     */
    auth?: "bearer" | "page" | "none";
  }
}

/** A report is a few hundred bytes; anything near this is not a report. */
export const BODY_LIMIT_BYTES = 4 * 1024;

export interface HttpServerDeps {
  readonly logger: Logger;
  readonly tokenMatches: TokenCheck;
  readonly metrics: Pick<ServiceMetrics, "observeRequest">;
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
    // Unmatched routes have no config: they need the token too, so probing learns nothing.
    if (
      (request.routeOptions.config?.auth ?? "bearer") === "bearer" &&
      !deps.tokenMatches(request.headers.authorization)
    ) {
      // Replying from a callback hook ends the chain: done is not called.
      reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized" });
      return;
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
