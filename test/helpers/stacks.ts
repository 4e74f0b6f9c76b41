// Shipped stack files as config, with overrides, for tests.
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseStackConfig, rawConfigFromEntries, StackConfig } from "../../config";
import { parseValue } from "../../config/read";
import { readStackFile, stackFilePath, stackNameOf, StackFile } from "../../tools/mocks/stack-file";

export const PROJECT_DIR = resolve(__dirname, "../..");
/**
 * The stacks the repository ships: one per Pulumi.<stack>.yaml at its root, found there,
 * so adding a region is adding its stack file (every per-stack test then covers it).
 */
export const SHIPPED_STACKS: readonly string[] = readdirSync(PROJECT_DIR)
  .filter((file) => /^Pulumi\..+\.ya?ml$/.test(file))
  .map((file) => stackNameOf(file))
  .sort();

/** Section overrides: `{ fleet: { instanceCount: 5 } }` merges into `hpc-fleet:fleet`. */
export type ConfigOverrides = Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = value === undefined ? undefined : deepMerge(base[key], value);
    if (value === undefined) delete merged[key];
  }
  return merged;
}

/**
 * A shipped stack file with overrides applied. Keys are section names
 * (`fleet`, `region` for `alicloud:region`); `undefined` removes a key or field.
 */
export function stackFile(
  stack: string,
  overrides: ConfigOverrides = {},
  secrets: Readonly<Record<string, string>> = {},
): StackFile {
  const file = readStackFile(stackFilePath(PROJECT_DIR, stack));
  const config = { ...file.config };
  const secretKeys = [...file.secretKeys];
  for (const [key, value] of Object.entries(secrets)) {
    config[`hpc-fleet:${key}`] = value;
    secretKeys.push(`hpc-fleet:${key}`);
  }
  for (const [section, value] of Object.entries(overrides)) {
    const fullKey = section === "region" ? "alicloud:region" : `hpc-fleet:${section}`;
    const current = config[fullKey];
    const merged = deepMerge(current === undefined ? undefined : parseValue(current), value);
    if (merged === undefined) delete config[fullKey];
    else config[fullKey] = typeof merged === "string" ? merged : JSON.stringify(merged);
  }
  return { ...file, config, secretKeys };
}

/**
 * The parsed config of a shipped stack with overrides and secrets set as with
 * `pulumi config set --secret` (throws ConfigError when invalid).
 */
export function stackConfig(
  stack: string,
  overrides: ConfigOverrides = {},
  secrets: Readonly<Record<string, string>> = {},
): StackConfig {
  const file = stackFile(stack, overrides, secrets);
  const secretKeys = new Set(file.secretKeys);
  return parseStackConfig(rawConfigFromEntries(stack, file.config, (key) => secretKeys.has(key)));
}
