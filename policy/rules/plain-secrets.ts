// Passwords and tokens reach the cloud only as Pulumi secrets, so they are encrypted in
// the state and masked in previews and PR comments. Judged on the engine's wire form,
// where a secret is an envelope: the policy SDK (1.21) unwraps secrets before it calls
// validateResource/validateStack, so this rule runs in the program's tests under mocks
// (test/policy), not in the pack. Checked: any `password`/`...Password` input, user-data
// that mentions a token, password or key, and env vars named like a credential.
import { describe, isSecretEnvelope, PolicyResource } from "./resource";

/** Env var names that hold credentials: *TOKEN*, *KEY*, *PASSWORD*, *SECRET*. */
export const CREDENTIAL_NAME = /TOKEN|KEY|PASSWORD|SECRET/i;
/** Input names that hold a password; KMS ciphertext is safe in the open. */
const PASSWORD_INPUT = /password$/i;
const ENCRYPTED_INPUT = /^kmsEncrypted/;
/** Inputs that are an environment map. */
const ENV_MAP = /^env(ironment)?(Variables|Vars)?$/i;
/** Words that mark user-data as carrying a credential. */
const CREDENTIAL_WORDS = /token|password|secret|api[_-]?key|access[_-]?key/i;

/** Text a person could have written: no control characters besides tab and line breaks. */
function isPrintable(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if ((code < 0x20 && char !== "\t" && char !== "\n" && char !== "\r") || code === 0xfffd) {
      return false;
    }
  }
  return true;
}

/** User-data as text: ECS takes it plain or base64-encoded. */
function userDataText(value: string): string {
  const trimmed = value.trim();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) && trimmed.length % 4 === 0) {
    const decoded = Buffer.from(trimmed, "base64").toString("utf8");
    // Only printable text counts as decoded; otherwise the value was not base64 after all.
    if (isPrintable(decoded)) return decoded;
  }
  return value;
}

interface Visit {
  readonly path: string;
  readonly key: string;
  readonly value: unknown;
}

/** Every property below `value` that is not inside a secret envelope. */
function* plainProperties(value: unknown, path: string): Generator<Visit> {
  if (isSecretEnvelope(value)) return;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const itemPath = `${path}[${index}]`;
      yield { path: itemPath, key: String(index), value: item };
      yield* plainProperties(item, itemPath);
    }
    return;
  }
  if (typeof value !== "object" || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    const innerPath = path ? `${path}.${key}` : key;
    yield { path: innerPath, key, value: inner };
    yield* plainProperties(inner, innerPath);
  }
}

function isNonEmptyPlainString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

export function plainSecretViolations(resource: PolicyResource): string[] {
  const violations: string[] = [];
  const where = describe(resource);
  // Paths already reported as env vars, so a PASSWORD env var is not reported twice.
  const reported = new Set<string>();
  for (const { path, key, value } of plainProperties(resource.props, "")) {
    if (
      PASSWORD_INPUT.test(key) &&
      !ENCRYPTED_INPUT.test(key) &&
      isNonEmptyPlainString(value) &&
      !reported.has(path)
    ) {
      violations.push(`${where}: ${path} is a plain-text password; pass it as a secret`);
    }
    if (key === "userData" && isNonEmptyPlainString(value)) {
      if (CREDENTIAL_WORDS.test(userDataText(value))) {
        violations.push(
          `${where}: ${path} carries a token or password in plain text; make the user-data a secret`,
        );
      }
    }
    // Env vars as a map ({ environment: { NAME: value } }, as @pulumi/command takes them).
    if (ENV_MAP.test(key) && typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [name, inner] of Object.entries(value)) {
        if (CREDENTIAL_NAME.test(name) && isNonEmptyPlainString(inner)) {
          reported.add(`${path}.${name}`);
          violations.push(
            `${where}: env var ${name} (${path}) is plain text; pass its value as a secret`,
          );
        }
      }
    }
    // Env vars as a list: { key, value } (ECI environmentVars) or { name, value }.
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const entry = value as Record<string, unknown>;
      const name = entry.key ?? entry.name;
      if (
        typeof name === "string" &&
        CREDENTIAL_NAME.test(name) &&
        "value" in entry &&
        isNonEmptyPlainString(entry.value)
      ) {
        violations.push(
          `${where}: env var ${name} (${path}) is plain text; pass its value as a secret`,
        );
      }
    }
  }
  return violations;
}
