// Local run (`npm run dev`, or `npm run host-manager` from the repo root): the
// simulated cloud, a data directory under ./.data, and a token generated for
// this run only. A token set in the environment is used and never printed. An operator
// for this run is added too (`dev-<random>`, names are never reused), its token printed:
// the fleet token only reports.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { loadConfig } from "./adapters/env/config";
import { createService } from "./service";

async function dev(): Promise<void> {
  const generated = !process.env.HOST_MANAGER_TOKEN;
  const env = {
    ...process.env,
    HOST_MANAGER_DATA_DIR: process.env.HOST_MANAGER_DATA_DIR ?? join(__dirname, "..", ".data"),
    HOST_MANAGER_TOKEN: process.env.HOST_MANAGER_TOKEN ?? randomBytes(24).toString("hex"),
    HOST_MANAGER_CLOUD: process.env.HOST_MANAGER_CLOUD ?? "simulated",
    // The simulated hosts (and curl) report with the fleet token: no identity to register with.
    HOST_MANAGER_FLEET_TOKEN_FALLBACK: process.env.HOST_MANAGER_FLEET_TOKEN_FALLBACK ?? "true",
  };
  const config = loadConfig(env);
  const service = createService({ config, loopbackReports: config.cloud === "simulated" });
  const url = (await service.listen("127.0.0.1")).replace("127.0.0.1", "localhost");
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
      `fleet token (reports only): ${token}`,
      `operator: ${operator}  token: ${operatorToken}  (sign in at ${url}/login)`,
      `try:   curl -H "Authorization: Bearer ${operatorToken}" ${url}/api/v1/hosts`,
      "",
    ].join("\n") + "\n",
  );
  const shutdown = () => {
    service.stop().then(() => process.exit(0));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

dev().catch((error: unknown) => {
  process.stderr.write(
    `host-manager dev: ${String(error instanceof Error ? error.message : error)}\n`,
  );
  process.exit(1);
});
