// `host-manager operators ...` run for real (src/main.ts in a child process) on a temp
// data directory, with a service on the same database seeing each change at once.
import { spawnSync } from "node:child_process";
import { userInfo } from "node:os";
import { join } from "node:path";
import { createService, type Service } from "../../src/service";
import { silentLogger, tempDir, testConfig } from "../support/fixtures";

const ROOT = join(__dirname, "..", "..");

function cli(dataDir: string | undefined, ...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "src/main.ts", "operators", ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...(dataDir ? { HOST_MANAGER_DATA_DIR: dataDir } : {}) },
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("host-manager operators", () => {
  let dir: ReturnType<typeof tempDir>;
  let service: Service | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await service?.stop();
    service = undefined;
    dir.remove();
  });

  const read = (token: string) =>
    (service as Service).app.inject({
      method: "GET",
      url: "/api/v1/hosts",
      headers: { authorization: `Bearer ${token}` },
    });

  it("adds an operator whose token (printed once, to stdout only) works, lists it, revokes it at once", async () => {
    const added = cli(dir.path, "add", "alice", "--role", "operator", "--reason", "on call");
    expect(added.code).toBe(0);
    const token = added.stdout.trim();
    expect(token).toMatch(/^hmo_[A-Za-z0-9_-]{43}$/);
    expect(added.stderr).not.toContain(token);

    service = createService({
      config: testConfig(dir.path),
      logger: silentLogger(),
      schedule: false,
      defaultMetrics: false,
    });
    await service.app.ready();
    expect((await read(token)).statusCode).toBe(200);

    const listed = cli(dir.path, "list");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^alice\toperator\t\S+\tactive\n$/);
    expect(listed.stdout).not.toContain(token.slice(4));

    const revoked = cli(dir.path, "revoke", "alice");
    expect(revoked.code).toBe(0);
    expect((await read(token)).statusCode).toBe(401);
    expect(cli(dir.path, "list").stdout).toMatch(/^alice\toperator\t\S+\trevoked \S+\n$/);

    const audit = service.audit.newest(10).map(({ who, action, target, reason, outcome }) => ({
      who,
      action,
      target,
      reason,
      outcome,
    }));
    const who = `cli:${userInfo().username}`;
    expect(audit).toEqual([
      { who, action: "operators.revoke", target: "alice", reason: null, outcome: "ok" },
      {
        who,
        action: "operators.add",
        target: "alice (operator)",
        reason: "on call",
        outcome: "ok",
      },
    ]);
  });

  it("refuses a name taken, even revoked, and a revoke of no one, and audits both", () => {
    expect(cli(dir.path, "add", "bob", "--role", "viewer").code).toBe(0);
    const again = cli(dir.path, "add", "bob", "--role", "operator");
    expect([again.code, again.stdout]).toEqual([1, ""]);
    expect(again.stderr).toContain("exists already");
    expect(cli(dir.path, "revoke", "carol").code).toBe(1);
    const listed = cli(dir.path, "list").stdout;
    expect(listed).toMatch(/^bob\tviewer\t/);
  });

  it.each([
    [["add", "dave"], "--role"],
    [["add", "dave", "--role", "admin"], "--role"],
    [["add", "bad name!", "--role", "viewer"], ""],
    [["frobnicate"], "unknown command"],
    [["add", "dave", "--role", "viewer", "--token", "x"], "Unknown option"],
  ])("refuses %j with usage", (args, message) => {
    const result = cli(dir.path, ...args);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(message);
  });

  it("names the data directory variable when it is missing", () => {
    const result = cli(undefined, "list");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("HOST_MANAGER_DATA_DIR is required");
  });
});
