// Config problems, each named by its full Pulumi config key, reported all at once.
import type { z } from "zod";

export const PROJECT = "hpc-fleet";
export const REGION_KEY = "alicloud:region";

/** One problem with the stack config: the full key (`hpc-fleet:fleet.instanceCount`) and why. */
export interface ConfigProblem {
  readonly key: string;
  readonly reason: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `Invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((problem) => `  ${problem.key}: ${problem.reason}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** Formats a path inside the stack config as the key an operator would type. */
export function configKey(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  if (head === "region") return REGION_KEY;
  let key = `${PROJECT}:${String(head)}`;
  for (const part of rest) key += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return key;
}

function describeValue(value: unknown): string | undefined {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null) return "null";
  return undefined;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length];
}

function closest(key: string, known: readonly string[]): string | undefined {
  const ranked = known
    .map((candidate) => ({ candidate, distance: editDistance(key, candidate) }))
    .sort((left, right) => left.distance - right.distance);
  const best = ranked[0];
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3))
    ? best.candidate
    : undefined;
}

export function unknownKeyProblem(
  path: readonly PropertyKey[],
  key: string,
  known: readonly string[],
): ConfigProblem {
  const suggestion = closest(key, known);
  return {
    key: configKey([...path, key]),
    reason: suggestion ? `unknown key (did you mean ${suggestion}?)` : "unknown key",
  };
}

/**
 * Turns zod issues into problems. Values are echoed only for keys that are not
 * secret, so a malformed secret never reaches a terminal or a CI log.
 */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  pathPrefix: readonly PropertyKey[],
  knownKeysAt: (path: readonly PropertyKey[]) => readonly string[],
  isSecret: boolean,
): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    const path = [...pathPrefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => unknownKeyProblem(path, key, knownKeysAt(path)));
    }
    if (issue.code === "invalid_type" && issue.input === undefined) {
      return [{ key: configKey(path), reason: "is required" }];
    }
    const shown = isSecret ? undefined : describeValue(issue.input);
    const reason = shown === undefined ? issue.message : `${issue.message} (got ${shown})`;
    return [{ key: configKey(path), reason }];
  });
}
