// A client a `stop-client` job stopped is what the operator asked for: its host reports
// the client exited (status 3) and is not remediated for it, until the client runs again;
// a client that exits on its own, after a restart-client, is judged as ever.
import { HostStatus } from "@hpc-fleet/fleet-contract";
import { SimulatedCloud } from "../../src/adapters/cloud/simulated";
import { MINUTE } from "../support/fixtures";
import { reportHosts } from "../support/fleet";
import { startTestService, type TestService } from "../support/service";
import { hostIds, JobHosts } from "./job-hosts";

let t: TestService;
let url: string;
let hosts: JobHosts;
const [A] = hostIds(1);

beforeEach(async () => {
  t = await startTestService({ cloud: (clock) => new SimulatedCloud(5, clock) });
  url = await t.listen();
  hosts = new JobHosts(url);
});
afterEach(() => t.close());

/** Runs one job's task on A to success, as its host would. */
async function runOnA(action: "stop-client" | "restart-client"): Promise<void> {
  const res = await fetch(`${url}/api/v1/jobs`, {
    method: "POST",
    headers: { ...t.operator, "content-type": "application/json" },
    body: JSON.stringify({
      action,
      params: action === "restart-client" ? { args: ["--run", "42"] } : {},
      hosts: { ids: [A] },
      reason: "perf run",
    }),
  });
  expect(res.status).toBe(201);
  const offer = await hosts.next(A as string);
  const version = await hosts.accept(A as string, offer!);
  expect((await hosts.result(A as string, offer!.taskId, version!)).status).toBe(200);
}

/** Every host reports, A with `statusOfA`; then the heartbeat timeout passes, reports going on. */
async function reportPastTheTimeout(statusOfA: number): Promise<void> {
  const all = [1, 2, 3, 4, 5].map((n) => ({ n, status: n === 1 ? statusOfA : HostStatus.running }));
  await reportHosts(t, all);
  for (let minute = 0; minute < 12; minute++) {
    t.clock.advanceMs(MINUTE);
    await reportHosts(t, all);
  }
}

describe("a client a job stopped", () => {
  it("leaves its host alone while it stays stopped", async () => {
    await reportHosts(t, [{ n: 1, status: HostStatus.running }]);
    await runOnA("stop-client");
    await reportPastTheTimeout(HostStatus.clientExited);
    const summary = await t.service.healthCheck.run();
    expect(summary.unhealthyHosts).toEqual([]);
    expect(summary.actions).toEqual([]);
  });

  it("is judged again once a restart-client ran and it exits by itself", async () => {
    await runOnA("stop-client");
    await runOnA("restart-client");
    await reportHosts(t, [{ n: 1, status: HostStatus.running }]);
    t.clock.advanceMs(MINUTE);
    await reportPastTheTimeout(HostStatus.clientExited);
    const summary = await t.service.healthCheck.run();
    expect(summary.unhealthyHosts).toEqual([
      expect.objectContaining({ instanceId: A, reason: "client-not-restarting" }),
    ]);
  });
});
