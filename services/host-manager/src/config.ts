// The configuration's public entry: the env adapter (adapters/env/config.ts) under the
// path the repository's contract test (test/contract/host-manager-env.test.ts at the
// root) imports it by.
export { ConfigError, loadConfig, type Config } from "./adapters/env/config";
