// A listening service over a simulated fleet whose snapshot lives for 5 s, as in
// production: for the tests of what the snapshot serves and prepares.
import { SimulatedCloud } from "../../src/adapters/cloud/simulated";
import { PREPARED_FOR_MS } from "../../src/http/fleet-snapshot";
import { startTestService, type TestService } from "./service";

export const SNAPSHOT_MAX_AGE_MS = 5_000;

export interface SnapshotService {
  readonly t: TestService;
  readonly url: string;
  /** Sends a host's report over real HTTP with the fleet token; it must be acknowledged. */
  report(body: unknown): Promise<void>;
  /** Moves the clock past the snapshot's age and waits for the rebuild a read starts. */
  rebuilt(): Promise<void>;
  /**
   * Moves the clock past PREPARED_FOR_MS and reads only `paths` (each must answer 200),
   * then waits for the rebuild they start: what was read before is no longer read lately.
   */
  readOnly(...paths: string[]): Promise<void>;
}

export async function startSnapshotService(fleet: number): Promise<SnapshotService> {
  const t = await startTestService({
    cloud: (clock) => new SimulatedCloud(fleet, clock),
    service: { snapshotMaxAgeMs: SNAPSHOT_MAX_AGE_MS },
  });
  const url = await t.listen();
  return {
    t,
    url,
    async report(body) {
      const sent = await fetch(`${url}/rpc/v1/status`, {
        method: "POST",
        headers: { ...t.auth, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (sent.status !== 200) throw new Error(`report refused: ${sent.status}`);
    },
    async rebuilt() {
      t.clock.advanceMs(SNAPSHOT_MAX_AGE_MS + 1_000);
      t.service.snapshot.current();
      await t.service.snapshot.settled();
    },
    async readOnly(...paths) {
      t.clock.advanceMs(PREPARED_FOR_MS + 1);
      for (const path of paths) {
        expect((await fetch(`${url}${path}`, { headers: t.viewer })).status).toBe(200);
      }
      await t.service.snapshot.settled();
    },
  };
}
