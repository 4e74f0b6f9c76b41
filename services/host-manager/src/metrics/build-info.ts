// `host_manager_build_info{version, nodejs_version} 1`: which build a series came from,
// joined onto other metrics by `* on(instance) group_left(version)` in dashboards.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Gauge, type Registry } from "prom-client";

/**
 * The service's version, from its package.json: two levels up from both src/metrics
 * (tests) and dist/metrics (the image keeps services/host-manager/package.json).
 */
export function serviceVersion(): string {
  try {
    const text = readFileSync(join(__dirname, "..", "..", "package.json"), "utf8");
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}

export function registerBuildInfo(registry: Registry, version: string = serviceVersion()): void {
  new Gauge({
    name: "host_manager_build_info",
    help: "Always 1; its labels say which build of the host-manager is running.",
    labelNames: ["version", "nodejs_version"],
    registers: [registry],
  }).set({ version, nodejs_version: process.version }, 1);
}
