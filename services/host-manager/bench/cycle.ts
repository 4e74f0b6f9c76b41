// One process, one job: time health-check cycles over a 10,000-host registry
// (CPU time and RSS), and print the figures as JSON for run.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { ManualClock } from "../test/support/manual-clock";
import { SimulatedCloud } from "../src/adapters/cloud/simulated";
import { loadConfig } from "../src/adapters/env/config";
import type { CloudInstance } from "../src/domain/cloud";
import { LOAD_HISTORY_LENGTH } from "../src/domain/load";
import { createService } from "../src/service";

const HOSTS = Number(process.env.BENCH_HOSTS ?? 10_000);
const CYCLES = 5;

/** A host's report of a running client, without the optional details. */
const heartbeat = (host: CloudInstance) => ({
  instanceId: host.instanceId,
  privateIp: host.privateIp ?? "10.0.0.1",
  mac: "00:16:3e:00:00:01",
  status: 2,
  logicalCpus: 8,
  physicalCpus: 4,
});

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "hm-bench-cycle-"));
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const config = loadConfig({
    HOST_MANAGER_DATA_DIR: dataDir,
    HOST_MANAGER_TOKEN: "b".repeat(40),
    HOST_MANAGER_LOG_LEVEL: "silent",
  });
  const cloud = new SimulatedCloud(HOSTS, clock);
  const service = createService({
    config,
    clock,
    cloud,
    logger: pino({ level: "silent" }),
    schedule: false,
  });
  await service.inventory.refresh();
  // Every host reports, then time passes so 3% are silent: the cycle has real decisions to make.
  // Each report with load figures, as a real heartbeat's, enough to fill every host's
  // load history: the rows the cycle reads are as wide as a running fleet's.
  const hosts = await cloud.listInstances();
  // A thousand at a time, so what the setup allocates does not swell the RSS measured.
  for (let round = 0; round < LOAD_HISTORY_LENGTH; round++) {
    for (let from = 0; from < HOSTS; from += 1_000) {
      service.store.applyReports(
        hosts.slice(from, from + 1_000).map((h, k) => ({
          ...heartbeat(h),
          clientVersion: `seq-${from + k}`,
          cpuPercent: ((from + k) * 7) % 100,
          memoryAvailablePercent: 40,
          clientCpuPercent: 25.5,
          clientWorkingSetBytes: 1e9 + from + k,
        })),
        clock.now(),
      );
    }
  }
  clock.advanceMinutes(11);
  service.store.applyReports(hosts.slice(0, Math.floor(HOSTS * 0.97)).map(heartbeat), clock.now());
  const samples: { cpuMs: number; wallMs: number; actions: number }[] = [];
  for (let i = 0; i < CYCLES; i++) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    const summary = await service.healthCheck.run();
    const used = process.cpuUsage(cpu);
    samples.push({
      cpuMs: (used.user + used.system) / 1000,
      wallMs: Number(process.hrtime.bigint() - start) / 1e6,
      actions: summary.actions.length,
    });
    clock.advanceMinutes(5);
  }
  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  await service.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const sorted = [...samples].sort((a, b) => a.cpuMs - b.cpuMs);
  process.stdout.write(
    JSON.stringify({
      hosts: HOSTS,
      samples,
      medianCpuMs: sorted[Math.floor(CYCLES / 2)].cpuMs,
      rssMb,
    }) + "\n",
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
