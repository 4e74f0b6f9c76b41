// The configuration reference (docs/configuration.md) is generated from the schema:
// it documents every key the schema accepts, each with a meaning, and is never stale.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stackConfigSchema } from "../../config/schema";
import { PROJECT_DIR } from "../helpers/stacks";

const DOC = `${PROJECT_DIR}/docs/configuration.md`;

/** Objects documented as one row (their fields are listed in the row's type). */
const DOCUMENTED_AS_ONE_ROW = new Set([
  "image.clientFiles",
  "image.clientArtifact",
  "fleet.spot.priceLimits",
  "fleet.schedules",
  "hostManager.statuspage",
  "healthCheck.freezeWindows",
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

/** The reference's rows: key -> the meaning column. */
function documentedRows(): Map<string, string> {
  const text = readFileSync(DOC, "utf8");
  return new Map(
    [...text.matchAll(/^\|\s*`([^`]+)`\s*\|.*\|\s*([^|]*?)\s*\|$/gm)].map((match) => [
      match[1],
      match[2],
    ]),
  );
}

test("every config key has a row in the configuration reference", () => {
  const documented = documentedRows();
  const keys = keyPaths(stackConfigSchema).map((key) =>
    key === "region" ? "alicloud:region" : key,
  );
  expect(keys.length).toBeGreaterThan(50);
  expect(keys.filter((key) => !documented.has(key))).toEqual([]);
});

test("every documented key says what it means", () => {
  const withoutMeaning = [...documentedRows()].filter(([, meaning]) => meaning === "");
  expect(withoutMeaning).toEqual([]);
});

/** `npm run docs -- --check FILE`, as a child process (prettier formats the tables). */
function checkDocs(file: string) {
  return spawnSync(
    process.execPath,
    [
      require.resolve("ts-node/dist/bin.js"),
      "--transpile-only",
      "tools/docs/cli.ts",
      "--check",
      file,
    ],
    { cwd: PROJECT_DIR, encoding: "utf8" },
  );
}

test("the reference is what `npm run docs` generates from the schema (not stale)", () => {
  // On failure: npm run docs
  expect(checkDocs(DOC)).toMatchObject({ status: 0, stderr: "" });
});

test("the check fails on a stale reference", () => {
  const stale = join(mkdtempSync(join(tmpdir(), "hpc-docs-")), "configuration.md");
  writeFileSync(stale, readFileSync(DOC, "utf8").replace(/^\| `fleet\.instanceCount`.*\n/m, ""));
  const result = checkDocs(stale);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/is stale: run `npm run docs`/);
});
