// The first operator from the deployment's secret: added hashed at start, once; a
// restart adds nothing, and one revoked stays revoked. Bad seed variables stop the start.
import { ConfigError, loadConfig } from "../src/adapters/env/config";
import { createService, type Service } from "../src/service";
import { silentLogger, tempDir, testConfig, TOKEN } from "./support/fixtures";

const SEED = { name: "first-op", token: "s".repeat(40) };
const SEED_ENV = {
  HOST_MANAGER_SEED_OPERATOR_NAME: SEED.name,
  HOST_MANAGER_SEED_OPERATOR_TOKEN: SEED.token,
};

describe("the seed operator", () => {
  let dir: ReturnType<typeof tempDir>;
  let service: Service | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await service?.stop();
    dir.remove();
  });

  const start = async (env: Record<string, string> = SEED_ENV) => {
    await service?.stop();
    service = createService({
      config: testConfig(dir.path, env),
      logger: silentLogger(),
      schedule: false,
      defaultMetrics: false,
    });
    await service.app.ready();
    return service;
  };
  const hosts = (s: Service) =>
    s.app.inject({
      method: "GET",
      url: "/api/v1/hosts",
      headers: { authorization: `Bearer ${SEED.token}` },
    });

  it("is added at start with the operator role, hashed, and once only", async () => {
    let s = await start();
    expect((await hosts(s)).statusCode).toBe(200);
    expect(s.operators.byName(SEED.name)).toMatchObject({ role: "operator", revokedAt: null });
    const stored = JSON.stringify(s.db.prepare("SELECT * FROM operators").all());
    expect(stored).not.toContain(SEED.token);
    s = await start();
    expect((await hosts(s)).statusCode).toBe(200);
    expect(s.audit.newest(10).map((e) => [e.who, e.action])).toEqual([["seed", "operators.add"]]);
  });

  it("stays revoked across restarts once revoked", async () => {
    let s = await start();
    s.operators.revoke(SEED.name, Date.now());
    s = await start();
    expect((await hosts(s)).statusCode).toBe(401);
    expect(s.operators.byName(SEED.name)?.revokedAt).not.toBeNull();
  });

  it.each([
    [{ HOST_MANAGER_SEED_OPERATOR_NAME: "x" }, "HOST_MANAGER_SEED_OPERATOR_TOKEN: is required"],
    [
      { HOST_MANAGER_SEED_OPERATOR_TOKEN: SEED.token },
      "HOST_MANAGER_SEED_OPERATOR_NAME: is required",
    ],
    [{ ...SEED_ENV, HOST_MANAGER_SEED_OPERATOR_TOKEN: TOKEN }, "must differ from the fleet token"],
    [{ ...SEED_ENV, HOST_MANAGER_SEED_OPERATOR_TOKEN: "short" }, "at least 32 characters"],
    [{ ...SEED_ENV, HOST_MANAGER_SEED_OPERATOR_NAME: "a b" }, "HOST_MANAGER_SEED_OPERATOR_NAME"],
  ])("refuses %j naming the variable, never its value", (env, message) => {
    let error: unknown;
    try {
      loadConfig({ HOST_MANAGER_DATA_DIR: dir.path, HOST_MANAGER_TOKEN: TOKEN, ...env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toContain(message);
    expect(String((error as Error).message)).not.toContain(SEED.token);
  });
});
