// The whole program, as index.ts exports it and the tests run it: read and check the stack
// config, check the unpacked client files against the client artifact's zip (an
// asynchronous read, awaited here so that a mismatch stops the program, under the key to
// mend, before any resource is declared), then declare the fleet.
import { resolve } from "node:path";
import { readStackConfig, type StackConfig } from "../config";
import { assertNoProblems } from "./arg-problems";
import { WINDOWS_IMAGE_CONFIG, withConfigKeys } from "./config-keys";
import { declareFleet, resourcePrefix, windowsImageConfigArgs, type FleetOutputs } from "./fleet";
import { unpackedClientFileProblems, WINDOWS_IMAGE_TYPE } from "./windows-image/windows-image";

const PROJECT_DIR = resolve(__dirname, "..");

/** Throws a ConfigError naming each client file that is not the artifact's. */
export async function checkUnpackedClientFiles(config: StackConfig): Promise<void> {
  const problems = await unpackedClientFileProblems({
    ...windowsImageConfigArgs(config),
    projectDir: PROJECT_DIR,
  });
  const name = `${resourcePrefix(config.stack)}-image`;
  withConfigKeys(WINDOWS_IMAGE_CONFIG, () => assertNoProblems(WINDOWS_IMAGE_TYPE, name, problems));
}

/**
 * The program. `clock` is read once, here: the moment the fleet is declared at (what
 * fleet.schedules holds then); tests pass a fixed one. Pulumi calls it with no argument.
 */
export async function fleetProgram(clock: () => Date = () => new Date()): Promise<FleetOutputs> {
  const now = clock();
  const config = readStackConfig();
  await checkUnpackedClientFiles(config);
  return declareFleet(config, now);
}
