// Token rotation without downtime: HOST_MANAGER_TOKEN_PREVIOUS is accepted like the
// current token by host reports (and, like it, nowhere else); status-page sessions stay
// keyed from the current token only. (The constant-time check itself: auth.test.ts.)
import { simInstanceId, simPrivateIp } from "../../src/adapters/cloud/simulated";
import { makeSessions, SESSION_COOKIE } from "../../src/http/status-page/session";
import { PREVIOUS_TOKEN as PREVIOUS, report, TOKEN, VIEWER } from "../support/fixtures";
import { startTestService, type TestService } from "../support/service";

const THIRD = "x".repeat(24) + "some-other-token";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

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

  it("takes host reports with either token, refuses a third, and neither reads", async () => {
    expect((await post(TOKEN)).statusCode).toBe(200);
    expect((await post(PREVIOUS)).statusCode).toBe(200);
    expect((await post(THIRD)).statusCode).toBe(401);
    for (const url of ["/api/v1/hosts", "/api/v1/health-check", "/metrics", "/"]) {
      // Host tokens, not operators: refused (403), not counted as guesses.
      expect((await get(url, bearer(TOKEN))).statusCode).toBe(403);
      expect((await get(url, bearer(PREVIOUS))).statusCode).toBe(403);
      // The status page sends a refused visitor to its sign-in form.
      expect((await get(url, bearer(THIRD))).statusCode).toBe(url === "/" ? 303 : 401);
    }
    // Operators can watch the old token fall out of use before unsetting it.
    const metrics = await get("/metrics", bearer(VIEWER.token));
    expect(metrics.body).toMatch(/^host_manager_previous_token_requests_total [1-9]\d*$/m);
  });

  it("keys status-page sessions from the current token only", async () => {
    const login = await t.service.app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ name: VIEWER.name, token: VIEWER.token }).toString(),
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
