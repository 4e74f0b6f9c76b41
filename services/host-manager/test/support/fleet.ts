// Seeds a simulated fleet through the real report endpoint, so the pages and metrics
// under test see exactly what hosts would have told the service.
import { simInstanceId, simPrivateIp } from "../../src/adapters/cloud/simulated";
import { report } from "./fixtures";
import type { TestService } from "./service";

/** Posts one report per host: status 2 running, 1 starting, 3 client exited, 4 client failed. */
export async function reportHosts(
  t: TestService,
  hosts: readonly { n: number; status: number; extra?: Record<string, unknown> }[],
): Promise<void> {
  for (const { n, status, extra } of hosts) {
    const res = await t.service.app.inject({
      method: "POST",
      url: "/rpc/v1/status",
      headers: t.auth,
      payload: report(simInstanceId(n), {
        privateIp: simPrivateIp(n),
        status,
        hostname: `hpc-${String(n).padStart(4, "0")}`,
        logicalCpus: 16,
        physicalCpus: 8,
        ...extra,
      }),
    });
    if (res.statusCode !== 200)
      throw new Error(`report ${simInstanceId(n)}: ${res.statusCode} ${res.body}`);
  }
}

/**
 * The fleet the status-page and metrics tests look at (10 simulated hosts): after it,
 * 1-5 run, 6 is restarting its client, 7 reports client-failed (twice, so it persists)
 * and is rebooted by the cycle, 8-10 never reported and are rebooted for the startup timeout.
 */
export async function seedMixedFleet(t: TestService): Promise<void> {
  const running = [1, 2, 3, 4, 5].map((n) => ({ n, status: 2 }));
  await reportHosts(t, running);
  t.clock.advanceMinutes(24);
  await reportHosts(t, [{ n: 7, status: 4 }]);
  t.clock.advanceMinutes(1);
  await reportHosts(t, [...running, { n: 6, status: 3 }, { n: 7, status: 4 }]);
  await t.service.healthCheck.run();
}
