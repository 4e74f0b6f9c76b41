// Fleet jobs on the server: the store, the long-poll waiters and the sweep that moves
// jobs on, wired to the operator routes and the host routes. The service registers
// them with one call; the freeze and the hosts come from it.
import type { FastifyInstance } from "fastify";
import type { Db } from "../../adapters/storage/database";
import type { HostStore } from "../../adapters/storage/hosts";
import { GroupCommit } from "../../adapters/storage/group-commit";
import { JobStore } from "../../adapters/storage/jobs";
import type { Clock } from "../../clock";
import { fleetState } from "../../domain/fleet-state";
import type { HealthContext } from "../../domain/health-context";
import type { AuditRecorder } from "../audited";
import { makeHostIdentifier } from "../requesting-host";
import { HostWaiters } from "./host-waiters";
import { jobRoutes } from "./job-routes";
import { taskRoutes } from "./task-routes";

/** The sweep (time-to-run, deadlines, due retries, the freeze) runs at most this often. */
export const SWEEP_EVERY_MS = 1_000;

export interface JobsDeps {
  readonly db: Db;
  readonly hosts: Pick<HostStore, "get" | "listActive">;
  readonly clock: Clock;
  readonly record: AuditRecorder;
  readonly healthContext: () => HealthContext;
  readonly frozen: () => boolean;
  readonly loopbackReports: boolean;
  /** Whether this manager holds the lease: a passive one writes nothing, sweeps included. */
  readonly isActive: () => boolean;
}

/** The jobs' store, and the sweep for whatever else shows jobs (the status page). */
export interface RegisteredJobs {
  readonly store: JobStore;
  /** Moves jobs on to now, at most every SWEEP_EVERY_MS, and only on the active manager. */
  readonly sweep: () => void;
}

export function registerJobs(app: FastifyInstance, deps: JobsDeps): RegisteredJobs {
  const { clock } = deps;
  const waiters = new HostWaiters();
  const jobs = new JobStore(deps.db, (hosts) => waiters.wake(hosts));
  let lastSweep = -Infinity;
  const sweep = () => {
    const now = clock.now();
    // Also after a clock set back: a sweep is cheap, a stuck one is not.
    if (!deps.isActive()) return;
    if (now - lastSweep < SWEEP_EVERY_MS && now >= lastSweep) return;
    lastSweep = now;
    jobs.sweep(now, deps.frozen());
  };
  const selectable = () => {
    const context = deps.healthContext();
    return deps.hosts.listActive().map((host) => ({
      instanceId: host.instanceId,
      zone: host.zone,
      generation: host.generation,
      state: fleetState(host, context),
    }));
  };
  void app.register(jobRoutes, {
    jobs,
    clock,
    record: deps.record,
    selectable,
    frozen: deps.frozen,
    sweep,
  });
  void app.register(taskRoutes, {
    jobs,
    clock,
    identify: makeHostIdentifier({ hosts: deps.hosts, loopbackReports: deps.loopbackReports }),
    frozen: deps.frozen,
    sweep,
    waiters,
    commits: new GroupCommit(deps.db),
  });
  return { store: jobs, sweep };
}
