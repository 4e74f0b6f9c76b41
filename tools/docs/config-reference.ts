// The configuration reference, generated from the config schema itself: each key's type,
// range and default from the zod schema (as JSON Schema), its meaning from the key's
// `doc(...)` metadata. `npm run docs` writes it into docs/configuration.md between the
// markers; `npm run docs -- --check` (and a test) fails when the file is stale.
import { format } from "prettier";
import { z } from "zod";
import { stackConfigSchema } from "../../config/schema";

export const BEGIN_MARKER = "<!-- BEGIN GENERATED CONFIG REFERENCE (npm run docs) -->";
export const END_MARKER = "<!-- END GENERATED CONFIG REFERENCE -->";

interface JsonSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly maxLength?: number;
  readonly items?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly required?: readonly string[];
  readonly default?: unknown;
  readonly description?: string;
  readonly defaultText?: string;
  readonly hint?: string;
}

/** Sections whose nested objects are documented as one row (their fields are in its type). */
const ONE_ROW = new Set([
  "image.clientFiles",
  "image.clientArtifact",
  "fleet.spot.priceLimits",
  "hostManager.statuspage",
]);
const SECTIONS = ["network", "image", "fleet", "hostManager", "healthCheck"] as const;

const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${min}–${max}`;
  if (min !== undefined) return `at least ${min}`;
  return max !== undefined ? `at most ${max}` : "";
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map(code).join(" \\| ");
  if (schema.hint) return schema.hint;
  switch (schema.type) {
    case "integer":
      return `whole number ${range(schema.minimum, schema.maximum)}`.trim();
    case "number":
      return `number ${range(schema.minimum, schema.maximum)}`.trim();
    case "boolean":
      return "`true` \\| `false`";
    case "array": {
      const count = range(schema.minItems, schema.maxItems);
      const item = schema.items?.properties
        ? `\`{${Object.keys(schema.items.properties).join(", ")}}\``
        : typeOf(schema.items ?? {});
      return `list${count ? ` (${count})` : ""}, each ${item}`;
    }
    case "object":
      return schema.properties
        ? `\`{${Object.keys(schema.properties).join(", ")}}\``
        : "map of text";
    case "string":
      return schema.maxLength === undefined ? "text" : `text of at most ${schema.maxLength}`;
    default:
      return "any";
  }
}

function defaultOf({ schema, parsed, required }: Row): string {
  if (schema.defaultText) return schema.defaultText;
  const value = schema.default ?? parsed.default;
  if (value !== undefined) return code(value);
  return required ? "required" : "none";
}

interface Row {
  readonly key: string;
  /** As an operator writes it (what is required, each value's type). */
  readonly schema: JsonSchema;
  /** As the program reads it: zod's defaults show only on this side of a preprocess. */
  readonly parsed: JsonSchema;
  readonly required: boolean;
}

/** The documented keys under `schema`, depth first; objects become rows of their fields. */
function rows(schema: JsonSchema, parsed: JsonSchema, prefix: string): Row[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, inner]) => {
    const key = `${prefix}.${name}`;
    const innerParsed = parsed.properties?.[name] ?? {};
    const required = (schema.required ?? []).includes(name);
    if (inner.type === "object" && inner.properties && !ONE_ROW.has(key)) {
      return rows(inner, innerParsed, key);
    }
    return [{ key, schema: inner, parsed: innerParsed, required }];
  });
}

function table(rowList: readonly Row[]): string {
  const cell = (text: string) => text.replace(/\|(?<!\\\|)/g, "\\|").replace(/\n/g, " ");
  return [
    "| key | type | default | meaning |",
    "| --- | --- | --- | --- |",
    ...rowList.map(
      (row) =>
        `| \`${row.key}\` | ${cell(typeOf(row.schema))} | ${cell(defaultOf(row))} | ${cell(row.schema.description ?? "")} |`,
    ),
  ].join("\n");
}

/** The generated part of docs/configuration.md (between the markers), formatted by prettier. */
export async function renderConfigReference(): Promise<string> {
  const jsonSchema = (io: "input" | "output") =>
    z.toJSONSchema(stackConfigSchema, { io, unrepresentable: "any" }) as unknown as JsonSchema;
  const root = jsonSchema("input");
  const parsed = jsonSchema("output");
  const properties = root.properties ?? {};
  const general = Object.keys(properties)
    .filter((name) => !(SECTIONS as readonly string[]).includes(name))
    .map((name) => ({
      key: name === "region" ? "alicloud:region" : name,
      schema: properties[name],
      parsed: parsed.properties?.[name] ?? {},
      required: (root.required ?? []).includes(name),
    }));
  const parts = [
    "## General",
    "",
    table(general),
    ...SECTIONS.flatMap((section) => [
      "",
      `## \`${section}\``,
      "",
      properties[section].description ?? "",
      "",
      table(rows(properties[section], parsed.properties?.[section] ?? {}, section)),
    ]),
  ];
  return format(parts.join("\n"), { parser: "markdown" });
}

/** `text` with the part between the markers replaced by `generated`. */
export function withGeneratedReference(text: string, generated: string): string {
  const begin = text.indexOf(BEGIN_MARKER);
  const end = text.indexOf(END_MARKER);
  if (begin < 0 || end < begin) {
    throw new Error(
      `docs/configuration.md: the markers ${BEGIN_MARKER} ... ${END_MARKER} are missing`,
    );
  }
  return `${text.slice(0, begin + BEGIN_MARKER.length)}\n\n${generated.trim()}\n\n${text.slice(end)}`;
}
