// Detection bench (issue 14): how long the service takes to notice a host that goes
// silent, on a 1,000-host simulated fleet reporting over real HTTP (each host from its
// own loopback alias), with the real cron schedule and the real clock. Timeouts are
// scaled down so it runs in two minutes: a 10 s heartbeat, a 1 min heartbeat timeout (the
// smallest the service takes; 10 in production) and a cycle every 10 s (5 min in
// production). The bound is the heartbeat timeout plus one schedule interval, counted
// from the host's last acknowledged report to the cycle that reboots it. Prints one JSON
// line; run.ts runs it in its own process, or: npx ts-node --transpile-only bench/detection.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedCloud } from "../src/adapters/cloud/simulated";
import { loadConfig } from "../src/adapters/env/config";
import { steadyClock } from "../src/clock";
import { createService } from "../src/service";
import { FleetSimulator } from "../src/simulation/fleet-simulator";
import { canSendFromLoopbackAliases, httpReportSender } from "../src/simulation/http-sender";

const HOSTS = Number(process.env.BENCH_DETECTION_HOSTS ?? 1_000);
const HEARTBEAT_S = 10;
const HEARTBEAT_TIMEOUT_MIN = 1;
const SCHEDULE_INTERVAL_S = 10;
/** Silenced at these many seconds after the start, so they fall at different phases of the schedule. */
const SILENCE_AT_S = [20, 27, 34];
const TOKEN = "bench-detection-token-".padEnd(40, "x");

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "hm-detect-"));
  const clock = steadyClock;
  const config = loadConfig({
    HOST_MANAGER_DATA_DIR: dataDir,
    HOST_MANAGER_TOKEN: TOKEN,
    HOST_MANAGER_PORT: "0",
    HOST_MANAGER_LOG_LEVEL: "silent",
    HOST_MANAGER_SIM_HOSTS: String(HOSTS),
    HOST_MANAGER_SCHEDULE: `*/${SCHEDULE_INTERVAL_S} * * * * *`,
    HOST_MANAGER_HEARTBEAT_TIMEOUT_MINUTES: String(HEARTBEAT_TIMEOUT_MIN),
    // Long enough that no host is judged on its start-up during the run.
    HOST_MANAGER_STARTUP_TIMEOUT_MINUTES: "30",
    // The simulated hosts report as `npm run host-manager`'s do, with the fleet token (they
    // have no instance identity to register with): what is measured is detection. Without
    // it every report is refused and the fleet is held (src/identity/registration-hold.ts).
    HOST_MANAGER_FLEET_TOKEN_FALLBACK: "true",
  });
  const fromOwnAddress = await canSendFromLoopbackAliases();
  const cloud = new SimulatedCloud(HOSTS, clock, { addresses: "loopback", rebootMs: 30_000 });
  const service = createService({
    config,
    clock,
    cloud,
    defaultMetrics: false,
    loopbackReports: !fromOwnAddress,
  });
  const url = await service.listen("127.0.0.1");
  const simulator = new FleetSimulator(
    cloud,
    clock,
    { heartbeatMs: HEARTBEAT_S * 1000, failureShare: 0, rebootHealsShare: 1, seed: 14 },
    httpReportSender({ baseUrl: url, token: TOKEN, fromOwnAddress }),
  );
  simulator.start(250);
  const startedAt = clock.now();
  const ids = [...simulator.hosts.keys()];
  // Spread over the fleet, not the first hosts only.
  const silent = SILENCE_AT_S.map((at, i) => ({
    id: ids[Math.floor(((i + 1) * ids.length) / (SILENCE_AT_S.length + 1))],
    at,
  }));
  const boundMs = HEARTBEAT_TIMEOUT_MIN * 60_000 + SCHEDULE_INTERVAL_S * 1000;
  const results: { instanceId: string; sinceLastReportMs: number; sinceSilentMs: number }[] = [];
  try {
    for (const host of silent) {
      setTimeout(() => simulator.fail(host.id, "goes-silent"), host.at * 1000);
    }
    const deadline = startedAt + (Math.max(...SILENCE_AT_S) * 1000 + boundMs) * 2;
    while (results.length < silent.length && clock.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const host of silent) {
        if (results.some((r) => r.instanceId === host.id)) continue;
        const reboot = cloud.events.find((e) => e.instanceId === host.id && e.action === "reboot");
        if (!reboot) continue;
        const lastReportAt = service.store.get(host.id)?.lastReportAt ?? startedAt;
        results.push({
          instanceId: host.id,
          sinceLastReportMs: reboot.at - lastReportAt,
          sinceSilentMs: reboot.at - (startedAt + host.at * 1000),
        });
      }
    }
  } finally {
    await simulator.stop();
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const others = cloud.events.filter((e) => !silent.some((s) => s.id === e.instanceId)).length;
  const refused = [...simulator.answers].filter(([status]) => status !== 200);
  process.stdout.write(
    JSON.stringify({
      hosts: HOSTS,
      heartbeatS: HEARTBEAT_S,
      heartbeatTimeoutS: HEARTBEAT_TIMEOUT_MIN * 60,
      scheduleIntervalS: SCHEDULE_INTERVAL_S,
      boundMs,
      silenced: silent.length,
      results,
      worstMs: Math.max(...results.map((r) => r.sinceLastReportMs)),
      othersRemediated: others,
      reportsAccepted: simulator.answers.get(200) ?? 0,
      reportsRefused: Object.fromEntries(refused),
      fromOwnAddress,
    }) + "\n",
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
