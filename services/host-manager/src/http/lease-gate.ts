// A passive host-manager (another one holds the lease on the shared database) writes
// nothing: the lease is what keeps one writer on a SQLite file that may sit on NFS, where
// SQLite's own locking cannot be trusted. So it refuses every request that writes —
// host reports, and an operator's sign-in, sign-out, freeze or rollout pause — with 503, a
// Retry-After of one lease time to live (by when either the active manager answers at
// this address again or this one has taken over), and the active manager's id. Reads
// are served from the shared database. Not queued: a report is acknowledged only once
// committed, and a passive manager must not commit; the hosts report again anyway.
//
// Sessions too: they live in the shared database, so a sign-in at the active manager
// opens the views of both, and nothing is lost by sending the operator there; a session
// row written here would be the second writer the lease exists to prevent.
import type { FastifyInstance } from "fastify";

export interface LeaseGateOptions {
  /** Whether this manager holds the lease now. */
  readonly isActive: () => boolean;
  /** The id of the manager that holds it (host name, pid, suffix); null when nobody does. */
  readonly activeHolder: () => string | null;
  readonly retryAfterSeconds: number;
}

/** Methods that only read: everything else writes (a report, a session, a freeze). */
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Adds the gate to every route of `app` (after the server's auth hook: 401 comes first). */
export function addLeaseGate(app: FastifyInstance, options: LeaseGateOptions): void {
  app.addHook("onRequest", (request, reply, done) => {
    if (!READS.has(request.method) && !options.isActive()) {
      const active = options.activeHolder();
      reply
        .code(503)
        .header("retry-after", String(options.retryAfterSeconds))
        .send({
          error: `passive: another host-manager holds the lease${active ? ` (${active})` : ""}; writes, sign-in included, go to it`,
          role: "passive",
          active,
        });
      return;
    }
    done();
  });
}
