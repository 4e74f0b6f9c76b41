// `npm run docs`: regenerates the configuration reference in docs/configuration.md;
// `npm run docs -- --check [FILE]` exits 1 when the file (by default that one) is stale,
// changing nothing.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderConfigReference, withGeneratedReference } from "./config-reference";

export const CONFIGURATION_DOC = resolve(__dirname, "../../docs/configuration.md");

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes("--check");
  const file = argv.find((arg) => !arg.startsWith("--")) ?? CONFIGURATION_DOC;
  const current = readFileSync(file, "utf8");
  const next = withGeneratedReference(current, await renderConfigReference());
  if (check) {
    if (next === current) return 0;
    process.stderr.write(`${file} is stale: run \`npm run docs\`\n`);
    return 1;
  }
  if (next !== current) writeFileSync(file, next);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
