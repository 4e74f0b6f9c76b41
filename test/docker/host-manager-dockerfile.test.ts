// The host-manager's Dockerfile: linted (no Docker engine here to build it), and held
// to what the service needs at run time: a slim Node 20 base, a non-root user, node as
// PID 1 so SIGTERM reaches the graceful shutdown, and a HEALTHCHECK on /healthz.
import { readFileSync } from "node:fs";
import { validate } from "dockerfile-utils";
import { PROJECT_DIR } from "../helpers/stacks";

const dockerfile = readFileSync(`${PROJECT_DIR}/services/host-manager/Dockerfile`, "utf8");

/** Instructions with their arguments, continuation lines joined, comments dropped. */
function instructions(source: string): Array<{ keyword: string; args: string }> {
  return source
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

const all = instructions(dockerfile);
const stages = all.filter((instruction) => instruction.keyword === "FROM");
const finalStage = all.slice(all.lastIndexOf(stages[stages.length - 1]));

test("the linter finds no problem", () => {
  expect(validate(dockerfile).map((problem) => problem.message)).toEqual([]);
});

test("the linter used here does catch a broken Dockerfile", () => {
  expect(validate("FROM node:20\nCMD a\nCMD b\n").length).toBeGreaterThan(0);
});

test("it is multi-stage on a slim Node 20 base", () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  // Every stage starts from the slim Node 20 image, or from a stage built from it earlier.
  const named: string[] = [];
  for (const stage of stages) {
    const [base, , alias] = stage.args.split(/\s+/);
    if (!named.includes(base)) expect(base).toMatch(/^node:20[\w.-]*-slim\b/);
    if (alias) named.push(alias);
  }
});

test("the image is built from the repository root, with the fleet contract", () => {
  const copies = all.filter((instruction) => instruction.keyword === "COPY");
  expect(copies.map((copy) => copy.args)).toEqual(
    expect.arrayContaining([
      "package.json package-lock.json ./",
      "packages/fleet-contract packages/fleet-contract",
    ]),
  );
});

test("the runtime stage runs as a non-root user", () => {
  const user = finalStage.filter((instruction) => instruction.keyword === "USER").pop();
  expect(user?.args).toBeDefined();
  expect(user?.args).not.toMatch(/^(root|0)(:|$)/);
});

test("node is PID 1 (exec form, no npm or shell), so signals reach the service", () => {
  const command = finalStage.filter((instruction) => instruction.keyword === "CMD").pop();
  const argv = JSON.parse(command?.args ?? "null") as string[];
  expect(argv[0]).toBe("node");
  expect(finalStage.some((instruction) => instruction.keyword === "ENTRYPOINT")).toBe(false);
});

test("a HEALTHCHECK probes /healthz", () => {
  const healthcheck = finalStage.find((instruction) => instruction.keyword === "HEALTHCHECK");
  expect(healthcheck?.args).toMatch(/\/healthz/);
});

test("no secret is baked into the image", () => {
  const env = finalStage.filter((instruction) => ["ENV", "ARG"].includes(instruction.keyword));
  expect(env.map((instruction) => instruction.args).join(" ")).not.toMatch(/TOKEN|KEY|PASSWORD/i);
});
