// Reads the stack config from the Pulumi runtime (the engine, or the offline plan's mocks).
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, REGION_KEY } from "./errors";
import { parseStackConfig, RawStackConfig, StackConfig } from "./parse";

/**
 * Whether a key was set with `--secret`. The runtime marks this function internal,
 * but it is the only way to tell, and Pulumi's own Config.get relies on it.
 */
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret: (key: string) => boolean })
  .isConfigSecret;

/** A config value as the engine passes it: objects and lists as JSON, strings as they are. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Picks `alicloud:region` and every `hpc-fleet:` key out of the engine's config
 * map (full keys to JSON or plain strings), as the parser expects them.
 */
export function rawConfigFromEntries(
  stack: string,
  entries: Readonly<Record<string, string>>,
  isSecret: (fullKey: string) => boolean,
): RawStackConfig {
  const values: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, text] of Object.entries(entries)) {
    const isRegion = fullKey === REGION_KEY;
    if (!isRegion && !fullKey.startsWith(`${PROJECT}:`)) continue;
    let key = isRegion ? "region" : fullKey.slice(PROJECT.length + 1);
    // `hpc-fleet:region` would shadow the provider's region: keep it apart so it is reported.
    if (!isRegion && key === "region") key = fullKey;
    values[key] = parseValue(text);
    if (isSecret(fullKey)) secretKeys.add(key);
  }
  return { stack, values, secretKeys };
}

/** The validated stack config; throws a ConfigError naming every bad key. */
export function readStackConfig(): StackConfig {
  return parseStackConfig(
    rawConfigFromEntries(pulumi.getStack(), pulumi.runtime.allConfig(), isConfigSecret),
  );
}
