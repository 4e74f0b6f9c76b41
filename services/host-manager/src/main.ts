#!/usr/bin/env node
// Entry point: validate the configuration, start the service, stop it cleanly on
// SIGTERM/SIGINT; or, as `host-manager operators ...`, manage the operators and exit.
import { ConfigError, loadConfig } from "./adapters/env/config";
import { runOperatorsCli } from "./cli/operators";
import { createService } from "./service";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`host-manager: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const service = createService({
    config,
    // The simulated group's hosts do not exist: only this machine can report for them.
    // With a real cloud, a report must come from the instance's own private IP.
    loopbackReports: config.cloud === "simulated",
    // A disk that fails writes will not heal here: exit, and let the supervisor (the
    // container's restart policy) start afresh, on a start-up that proves it can write.
    onStorageFault: () => process.exit(1),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.logger.info({ signal }, "shutting down");
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        service.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  await service.listen();
}

if (process.argv[2] === "operators") {
  let code: number;
  try {
    code = runOperatorsCli(process.argv.slice(3), {
      env: process.env,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      now: () => Date.now(),
    });
  } catch (error) {
    process.stderr.write(`host-manager operators: ${String(error)}\n`);
    code = 1;
  }
  process.exitCode = code;
} else {
  start();
}

function start(): void {
  main().catch((error: unknown) => {
    process.stderr.write(`host-manager: failed to start: ${String(error)}\n`);
    process.exit(1);
  });
}
