// The configuration reference (docs/configuration.md) documents every key the schema accepts.
import { readFileSync } from "node:fs";
import { stackConfigSchema } from "../../config/schema";
import { PROJECT_DIR } from "../helpers/stacks";

/** Objects documented as one row (their fields are listed in the row's type). */
const DOCUMENTED_AS_ONE_ROW = new Set([
  "image.clientFiles",
  "fleet.spot.priceLimits",
  "hostManager.statuspage",
  "tags",
]);

function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let inner = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown } | undefined;
  while (inner && !inner.shape && inner.unwrap) inner = inner.unwrap() as typeof inner;
  return inner?.shape;
}

function keyPaths(schema: unknown, prefix = ""): string[] {
  const shape = shapeOf(schema);
  if (!shape || DOCUMENTED_AS_ONE_ROW.has(prefix)) return [prefix];
  return Object.entries(shape).flatMap(([key, inner]) =>
    keyPaths(inner, prefix ? `${prefix}.${key}` : key),
  );
}

test("every config key has a row in the configuration reference", () => {
  const readme = readFileSync(`${PROJECT_DIR}/docs/configuration.md`, "utf8");
  const documented = new Set(
    [...readme.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((match) => match[1]),
  );
  const keys = keyPaths(stackConfigSchema).map((key) =>
    key === "region" ? "alicloud:region" : key,
  );
  expect(keys.length).toBeGreaterThan(50);
  expect(keys.filter((key) => !documented.has(key))).toEqual([]);
});
