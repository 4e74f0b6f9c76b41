// The host-manager image's build steps, run outside Docker (there is no engine here): the
// files the Dockerfile copies, its install of the service's workspace alone, and its
// build; then the compiled service, run as the image runs it (--conditions=production),
// must load the fleet contract's compiled JavaScript, not its TypeScript source.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PROJECT_DIR } from "../helpers/stacks";

const dockerfile = readFileSync(join(PROJECT_DIR, "services/host-manager/Dockerfile"), "utf8");

/** The sources of the build stage's COPY instructions (not the runtime stage's --from ones). */
function copiedPaths(): string[] {
  return dockerfile
    .split("\n")
    .filter((line) => /^COPY (?!--from)/.test(line))
    .flatMap((line) => {
      const parts = line.trim().split(/\s+/).slice(1);
      return parts.slice(0, -1);
    });
}

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "hm-image-build-"));
  for (const path of new Set(copiedPaths())) {
    const target = join(work, path);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(PROJECT_DIR, path), target, { recursive: true });
  }
  const npm = (...args: string[]) =>
    execFileSync("npm", args, { cwd: work, stdio: "pipe", encoding: "utf8" });
  // As the build stage: the service's workspace alone, no install scripts.
  npm(
    "ci",
    "-w",
    "@hpc-fleet/host-manager",
    "--ignore-scripts",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
  );
  npm("run", "build", "-w", "@hpc-fleet/host-manager");
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

test("the build stage copies the manifests, the shared tsconfig, the contract and the service", () => {
  expect(copiedPaths()).toEqual(
    expect.arrayContaining([
      "package.json",
      "package-lock.json",
      "tsconfig.base.json",
      "packages/fleet-contract",
      "services/host-manager/src",
    ]),
  );
});

test("the service's workspace installs without the Pulumi program's packages", () => {
  expect(existsSync(join(work, "node_modules/fastify"))).toBe(true);
  expect(existsSync(join(work, "node_modules/@pulumi"))).toBe(false);
});

test("the compiled service loads the contract's compiled JavaScript and reads its config", () => {
  const service = join(work, "services/host-manager");
  const script = [
    "const resolved = require.resolve('@hpc-fleet/fleet-contract');",
    "const { loadConfig } = require('./dist/adapters/env/config.js');",
    "const config = loadConfig({ HOST_MANAGER_DATA_DIR: '/data', HOST_MANAGER_TOKEN: 'x'.repeat(40) });",
    "process.stdout.write(JSON.stringify({ resolved, port: config.port }));",
  ].join("\n");
  const output = JSON.parse(
    execFileSync(process.execPath, ["--conditions=production", "-e", script], {
      cwd: service,
      encoding: "utf8",
    }),
  ) as { resolved: string; port: number };
  expect(output.resolved).toMatch(/packages\/fleet-contract\/dist\/index\.js$/);
  expect(output.port).toBe(8080);
});
