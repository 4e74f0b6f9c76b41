// Reusable zod field builders whose messages read well after a config key,
// e.g. "hpc-fleet:fleet.instanceCount: must be a whole number from 0 to 1000".
import { z } from "zod";

/**
 * `pulumi config set --path` stores scalars as strings; accept "5" and "true"
 * where a number or boolean is expected, and nothing looser than that.
 */
function fromConfigString(kind: "number" | "boolean") {
  return (value: unknown): unknown => {
    if (typeof value !== "string") return value;
    const trimmed = value.trim();
    if (kind === "number" && /^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
    if (kind === "boolean" && (trimmed === "true" || trimmed === "false")) {
      return trimmed === "true";
    }
    return value;
  };
}

export function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.preprocess(
    fromConfigString("number"),
    z.number({ error: message }).int({ error: message }).min(min, message).max(max, message),
  );
}

export function decimal(min: number, max: number) {
  const message = `must be a number from ${min} to ${max}`;
  return z.preprocess(
    fromConfigString("number"),
    z.number({ error: message }).min(min, message).max(max, message),
  );
}

export function flag() {
  return z.preprocess(fromConfigString("boolean"), z.boolean({ error: "must be true or false" }));
}

/** Text matching `pattern`; `description` (e.g. "a zone id such as cn-beijing-h") is its type in the docs. */
export function text(pattern: RegExp, description: string) {
  const message = `must be ${description}`;
  return z.string({ error: message }).regex(pattern, message).meta({ hint: description });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(", ")}` });
}

export function list<T extends z.ZodType>(item: T, min: number, max: number, noun: string) {
  const message =
    min === max ? `must list exactly ${min} ${noun}` : `must list ${min} to ${max} ${noun}`;
  return z
    .array(item, { error: `must be a list of ${noun}` })
    .min(min, message)
    .max(max, message);
}

const ipv4Octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const ipv4 = `${ipv4Octet}(\\.${ipv4Octet}){3}`;

export const cidrPattern = new RegExp(`^${ipv4}/(3[0-2]|[12]?\\d)$`);

export function cidr() {
  return text(cidrPattern, "an IPv4 CIDR block such as 10.0.0.0/16");
}
