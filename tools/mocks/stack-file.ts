// Reads a Pulumi.<stack>.yaml into the config map the engine would pass the program.
// Encrypted (`secure:`) values cannot be read offline: they get a placeholder, kept secret.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import YAML from "yaml";

/** Every placeholder starts with this; each names its key, so a plan can say which secret flows where. */
export const SECRET_PLACEHOLDER = "offline-plan-secret-placeholder";

/** The placeholder an encrypted value of `key` is planned with. */
export function secretPlaceholder(key: string): string {
  return `${SECRET_PLACEHOLDER}:${key}`;
}

export interface StackFile {
  readonly stack: string;
  /** Full keys (`hpc-fleet:fleet`) to the engine's string form: JSON for objects. */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}

/** The stack name of `Pulumi.<stack>.yaml`. */
export function stackNameOf(path: string): string {
  const match = /^Pulumi\.(.+)\.ya?ml$/.exec(basename(path));
  if (!match) throw new Error(`${path}: a stack file is named Pulumi.<stack>.yaml`);
  return match[1];
}

export function stackFilePath(projectDir: string, stack: string): string {
  return join(projectDir, `Pulumi.${stack}.yaml`);
}

export function readStackFile(path: string): StackFile {
  const document: unknown = YAML.parse(readFileSync(path, "utf8")) ?? {};
  const entries = (document as { config?: Record<string, unknown> }).config ?? {};
  if (typeof entries !== "object" || Array.isArray(entries)) {
    throw new Error(`${path}: "config" must be a map of keys to values`);
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (isSecure(value)) {
      config[key] = secretPlaceholder(key);
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { stack: stackNameOf(path), config, secretKeys };
}
