// Local run (`npm run dev`, or `npm run host-manager` from the repo root): the
// simulated cloud with hosts that report by themselves (some failing, see
// src/simulation/), short timeouts so remediation shows within minutes, a data directory
// under ./.data, and a token generated for this run only. A token set in the environment
// is used and never printed. An operator for this run is added too (`dev-<random>`,
// names are never reused), its token printed: the fleet token only reports. Every
// default below gives way to the variable when it is set.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { loadConfig } from "./adapters/env/config";
import { steadyClock } from "./clock";
import { createService } from "./service";
import { embeddedFleet } from "./simulation/embedded";
import type { FleetSimulator } from "./simulation/fleet-simulator";
import { loadSimulationConfig } from "./simulation/settings";

/** A living fleet in a few minutes: a few dozen hosts, timeouts of a minute or two. */
const DEV_DEFAULTS: Record<string, string> = {
  HOST_MANAGER_CLOUD: "simulated",
  HOST_MANAGER_SIM_HOSTS: "40",
  HOST_MANAGER_SIM_HEARTBEAT_SECONDS: "10",
  HOST_MANAGER_SIM_FAILURE_SHARE: "20",
  HOST_MANAGER_SIM_FAILURES_PER_HOUR: "12",
  HOST_MANAGER_SIM_REBOOT_SECONDS: "20",
  HOST_MANAGER_SIM_REPLACE_SECONDS: "30",
  HOST_MANAGER_SCHEDULE: "*/15 * * * * *",
  HOST_MANAGER_STARTUP_TIMEOUT_MINUTES: "2",
  HOST_MANAGER_HEARTBEAT_TIMEOUT_MINUTES: "1",
  HOST_MANAGER_REBOOT_COOLDOWN_MINUTES: "1",
  // The simulated hosts (and curl) report with the fleet token: no identity to register with.
  HOST_MANAGER_FLEET_TOKEN_FALLBACK: "true",
};

async function dev(): Promise<void> {
  const generated = !process.env.HOST_MANAGER_TOKEN;
  const set = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ""));
  const env = {
    ...DEV_DEFAULTS,
    ...set,
    HOST_MANAGER_DATA_DIR: process.env.HOST_MANAGER_DATA_DIR || join(__dirname, "..", ".data"),
    HOST_MANAGER_TOKEN: process.env.HOST_MANAGER_TOKEN || randomBytes(24).toString("hex"),
  };
  const config = loadConfig(env);
  const clock = steadyClock;
  const simulation = config.cloud === "simulated" ? loadSimulationConfig(env) : undefined;
  const fleet =
    config.cloud === "simulated" && simulation
      ? await embeddedFleet(config, simulation, clock)
      : undefined;
  const service = createService({
    config,
    clock,
    ...(fleet ? { cloud: fleet.cloud } : {}),
    // Only where the hosts cannot send from addresses of their own (see embeddedFleet).
    loopbackReports: fleet !== undefined && !fleet.fromOwnAddress,
  });
  const url = (await service.listen("127.0.0.1")).replace("127.0.0.1", "localhost");
  const simulator: FleetSimulator | undefined = fleet?.connect(
    url.replace("localhost", "127.0.0.1"),
    config.token,
  );
  const token = generated ? config.token : "(from HOST_MANAGER_TOKEN)";
  const operator = `dev-${randomBytes(4).toString("hex")}`;
  const operatorToken = service.operators.add(operator, "operator", Date.now());
  service.audit.append({
    at: Date.now(),
    who: "dev",
    action: "operators.add",
    target: `${operator} (operator)`,
    reason: "npm run dev",
    outcome: "ok",
  });
  process.stdout.write(
    [
      "",
      `host-manager (dev) at ${url}  cloud=${config.cloud}  data=${config.dataDir}`,
      ...fleetLines(config, simulation, fleet?.fromOwnAddress ?? false, simulator),
      `fleet token (reports only): ${token}`,
      `operator: ${operator}  token: ${operatorToken}  (sign in at ${url}/login)`,
      `try:   curl -H "Authorization: Bearer ${operatorToken}" ${url}/api/v1/hosts`,
      "",
    ].join("\n") + "\n",
  );
  const shutdown = () => {
    void (async () => {
      await simulator?.stop();
      await service.stop();
      process.exit(0);
    })();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

function fleetLines(
  config: ReturnType<typeof loadConfig>,
  simulation: ReturnType<typeof loadSimulationConfig> | undefined,
  fromOwnAddress: boolean,
  simulator: FleetSimulator | undefined,
): string[] {
  if (config.cloud !== "simulated" || !simulation) return [];
  if (!simulator) return [`simulated fleet: ${config.simHosts} hosts, silent (heartbeat 0)`];
  const failing = Math.round(config.simHosts * simulation.failureShare);
  return [
    `simulated fleet: ${config.simHosts} hosts reporting every ${simulation.heartbeatMs / 1000} s, ` +
      `${failing} of them failing, ${simulation.failuresPerHour ?? 0} more an hour (seed ${simulation.seed}); ` +
      `health check "${config.schedule}", ` +
      `timeouts: startup ${config.startupTimeoutMinutes} min, heartbeat ${config.heartbeatTimeoutMinutes} min`,
    fromOwnAddress
      ? "hosts report from their own addresses (127.1.x.y), as the report-origin check requires"
      : "no loopback aliases here: hosts report from 127.0.0.1, accepted for this run (loopbackReports)",
  ];
}

dev().catch((error: unknown) => {
  process.stderr.write(
    `host-manager dev: ${String(error instanceof Error ? error.message : error)}\n`,
  );
  process.exit(1);
});
