// A passive host-manager (another one holds the lease on the shared database) writes
// nothing, so it refuses host reports: 503 with a Retry-After of one lease time to live,
// by when either the active manager answers at this address again or this one has taken
// over. Not queued: a report is acknowledged only once committed, and a passive manager
// must not commit; the hosts report again anyway (a heartbeat a minute).
import type { FastifyInstance } from "fastify";

export interface LeaseGateOptions {
  /** Whether this manager holds the lease now. */
  readonly isActive: () => boolean;
  readonly retryAfterSeconds: number;
}

/** The routes that write to the database. */
const WRITES = new Set(["POST /rpc/v1/status"]);

/** Adds the gate to every route of `app` (after the server's auth hook: 401 comes first). */
export function addLeaseGate(app: FastifyInstance, options: LeaseGateOptions): void {
  app.addHook("onRequest", (request, reply, done) => {
    if (WRITES.has(`${request.method} ${request.routeOptions.url}`) && !options.isActive()) {
      reply
        .code(503)
        .header("retry-after", String(options.retryAfterSeconds))
        .send({ error: "passive: another host-manager holds the lease", role: "passive" });
      return;
    }
    done();
  });
}
