// Token rotation without downtime: HOST_MANAGER_TOKEN_PREVIOUS is accepted like the
// current token by host reports and the API, always compared in constant time against
// both; status-page sessions stay keyed from the current token only.
import crypto from "node:crypto";
import { constantTimeEquals, makeTokenCheck } from "../src/http/auth";
import { simInstanceId, simPrivateIp } from "../src/adapters/cloud/simulated";
import { ConfigError, loadConfig } from "../src/adapters/env/config";
import { makeSessions, SESSION_COOKIE } from "../src/http/status-page/session";
import { report, TOKEN } from "./support/fixtures";
import { startTestService, type TestService } from "./support/service";

const PREVIOUS = "p".repeat(24) + "previous-token!!";
const THIRD = "x".repeat(24) + "some-other-token";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("HOST_MANAGER_TOKEN_PREVIOUS", () => {
  const base = { HOST_MANAGER_DATA_DIR: "/tmp/hm", HOST_MANAGER_TOKEN: TOKEN };
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it("is optional, and read when set", () => {
    expect(loadConfig(base).tokenPrevious).toBeUndefined();
    expect(loadConfig({ ...base, HOST_MANAGER_TOKEN_PREVIOUS: PREVIOUS }).tokenPrevious).toBe(
      PREVIOUS,
    );
  });

  it("must be at least 32 characters and differ from the token, and is never echoed", () => {
    const short = problemsOf({ ...base, HOST_MANAGER_TOKEN_PREVIOUS: "old-short-secret" });
    expect(short).toEqual(["HOST_MANAGER_TOKEN_PREVIOUS: must be at least 32 characters"]);
    expect(short.join()).not.toContain("old-short-secret");
    const same = problemsOf({ ...base, HOST_MANAGER_TOKEN_PREVIOUS: TOKEN });
    expect(same).toEqual(["HOST_MANAGER_TOKEN_PREVIOUS: must differ from HOST_MANAGER_TOKEN"]);
    expect(same.join()).not.toContain(TOKEN);
  });
});

describe("token check", () => {
  afterEach(() => jest.restoreAllMocks());

  it("accepts the current and the previous token and refuses a third", () => {
    const check = makeTokenCheck(TOKEN, PREVIOUS);
    expect(check(`Bearer ${TOKEN}`)).toBe(true);
    expect(check(`Bearer ${PREVIOUS}`)).toBe(true);
    expect(check(`Bearer ${THIRD}`)).toBe(false);
    expect(check(`Bearer ${PREVIOUS.slice(0, -1)}`)).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(check(PREVIOUS)).toBe(false);
    expect(makeTokenCheck(TOKEN)(`Bearer ${PREVIOUS}`)).toBe(false);
  });

  it("compares in constant time against both tokens, every time, whichever matches", () => {
    const spy = jest.spyOn(crypto, "timingSafeEqual");
    const previousUsed = jest.fn();
    const check = makeTokenCheck(TOKEN, PREVIOUS, { onPreviousToken: previousUsed });
    for (const presented of [TOKEN, PREVIOUS, THIRD, "short"]) {
      spy.mockClear();
      check(`Bearer ${presented}`);
      // One comparison per accepted token, the same whichever matched (no early exit).
      expect(spy).toHaveBeenCalledTimes(2);
      const expectedSides = spy.mock.calls.map(([, expected]) => Buffer.from(expected as Buffer));
      expect(expectedSides.map(String)).toEqual([TOKEN, PREVIOUS]);
    }
    expect(previousUsed).toHaveBeenCalledTimes(1);
    spy.mockClear();
    makeTokenCheck(TOKEN)(`Bearer ${TOKEN}`);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("the constant-time helper compares equal-length buffers whatever was presented", () => {
    const spy = jest.spyOn(crypto, "timingSafeEqual");
    const expected = Buffer.from(TOKEN);
    expect(constantTimeEquals(Buffer.from(TOKEN), expected)).toBe(true);
    expect(constantTimeEquals(Buffer.from(TOKEN + "x"), expected)).toBe(false);
    expect(constantTimeEquals(Buffer.from(""), expected)).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
    for (const [a, b] of spy.mock.calls) expect((a as Buffer).length).toBe((b as Buffer).length);
  });
});

describe("a service rotating its token", () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService({ env: { HOST_MANAGER_TOKEN_PREVIOUS: PREVIOUS } });
  });
  afterEach(() => t.close());

  const post = (token: string) =>
    t.service.app.inject({
      method: "POST",
      url: "/rpc/v1/status",
      headers: bearer(token),
      payload: report(simInstanceId(1), { privateIp: simPrivateIp(1) }),
    });
  const get = (url: string, headers: Record<string, string>) =>
    t.service.app.inject({ method: "GET", url, headers });

  it("takes host reports and API calls with either token, and refuses a third", async () => {
    expect((await post(TOKEN)).statusCode).toBe(200);
    expect((await post(PREVIOUS)).statusCode).toBe(200);
    expect((await post(THIRD)).statusCode).toBe(401);
    for (const url of ["/api/v1/hosts", "/api/v1/health-check", "/metrics", "/"]) {
      expect((await get(url, bearer(TOKEN))).statusCode).toBe(200);
      expect((await get(url, bearer(PREVIOUS))).statusCode).toBe(200);
      // The status page sends a refused visitor to its sign-in form.
      expect((await get(url, bearer(THIRD))).statusCode).toBe(url === "/" ? 303 : 401);
    }
    // Operators can watch the old token fall out of use before unsetting it.
    const metrics = await get("/metrics", bearer(TOKEN));
    expect(metrics.body).toMatch(/^host_manager_previous_token_requests_total 5$/m);
  });

  it("keys status-page sessions from the current token only", async () => {
    const login = await t.service.app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ token: PREVIOUS }).toString(),
    });
    expect(login.statusCode).toBe(303);
    const cookie = String(login.headers["set-cookie"]).split(";")[0] as string;
    expect((await get("/", { cookie })).statusCode).toBe(200);
    const value = cookie.slice(SESSION_COOKIE.length + 1);
    const now = t.clock.now();
    expect(makeSessions(TOKEN).verify(value, now)).toBe(true);
    expect(makeSessions(PREVIOUS).verify(value, now)).toBe(false);
    // A session signed with the previous token (before the rotation) has ended.
    const old = `${SESSION_COOKIE}=${makeSessions(PREVIOUS).issue(now)}`;
    expect((await get("/", { cookie: old })).statusCode).toBe(303);
  });
});
