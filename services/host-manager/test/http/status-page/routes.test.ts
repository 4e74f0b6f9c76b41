// The status page over HTTP: who may see it (bearer or a signed session cookie), what
// it shows for a seeded fleet, its filter and sort, and that host-supplied strings
// are escaped (html.test.ts: the escaping itself). The real-browser run: browser.test.ts.
import { simInstanceId } from "../../../src/adapters/cloud/simulated";
import { makeSessions, SESSION_COOKIE } from "../../../src/http/status-page/session";
import { VIEWER } from "../../support/fixtures";
import { reportHosts, seedMixedFleet } from "../../support/fleet";
import { startTestService, type TestService } from "../../support/service";

const rowsOf = (page: string) =>
  [...page.matchAll(/<tr data-instance="([^"]+)" data-state="([^"]+)"/g)].map((m) => ({
    id: m[1],
    state: m[2],
  }));
const countOf = (page: string, state: string) =>
  Number(new RegExp(`data-state="${state}"[^>]*><b data-count>(\\d+)</b>`).exec(page)?.[1]);

describe("status page", () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(() => t.close());

  const get = (url: string, headers: Record<string, string> = t.viewer) =>
    t.service.app.inject({ method: "GET", url, headers });
  const login = (token: string) =>
    t.service.app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ name: VIEWER.name, token }).toString(),
    });
  const cookieFrom = (setCookie: unknown) => String(setCookie).split(";")[0] as string;

  it("sends a visitor without the token or a session to the sign-in form", async () => {
    const res = await get("/", {});
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/login");
    const form = await get("/login", {});
    expect(form.statusCode).toBe(200);
    expect(form.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(form.body).toMatch(/<form method="post" action="\/login">/);
  });

  it("serves the page to the bearer token, with a policy that allows no script and no outside asset", async () => {
    const res = await get("/");
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body).not.toMatch(/<script|<link|src="http|href="http/);
    expect(res.body).toMatch(/<meta http-equiv="refresh" content="30"\s*\/?>/);
  });

  it("signs in with the token into a Secure, HttpOnly, SameSite=Strict cookie that holds no token", async () => {
    const bad = await login(VIEWER.token + "x");
    expect(bad.statusCode).toBe(303);
    expect(bad.headers.location).toBe("/login?error=1");
    expect(bad.headers["set-cookie"]).toBeUndefined();
    const ok = await login(VIEWER.token);
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toMatch(/^\/\?signedIn=\d+$/);
    const setCookie = String(ok.headers["set-cookie"]);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).not.toContain(VIEWER.token);
    expect(setCookie).not.toContain(encodeURIComponent(VIEWER.token));
    const cookie = cookieFrom(ok.headers["set-cookie"]);
    const page = await get("/", { cookie });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Sign out");
    // The cookie opens the page only, never the API.
    expect((await get("/api/v1/hosts", { cookie })).statusCode).toBe(401);
    expect((await get("/metrics", { cookie })).statusCode).toBe(401);
  });

  it("refuses tampered, forged and expired sessions", async () => {
    const cookie = cookieFrom((await login(VIEWER.token)).headers["set-cookie"]);
    const value = cookie.slice(SESSION_COOKIE.length + 1);
    const [expiry, nonce, mac] = value.split(".") as [string, string, string];
    const tampered = `${SESSION_COOKIE}=${Number(expiry) + 3600}.${nonce}.${mac}`;
    expect((await get("/", { cookie: tampered })).statusCode).toBe(303);
    const forged = `${SESSION_COOKIE}=${makeSessions("another-token-".repeat(3)).issue(t.clock.now())}`;
    expect((await get("/", { cookie: forged })).statusCode).toBe(303);
    t.clock.advanceMinutes(12 * 60 + 1);
    expect((await get("/", { cookie })).statusCode).toBe(303);
  });

  it("explains a refused cookie instead of looping back to the form", async () => {
    const ok = await login(VIEWER.token);
    const res = await get(String(ok.headers.location), {});
    expect(res.headers.location).toBe("/login?cookie=refused");
    const form = await get("/login?cookie=refused", {});
    expect(form.body).toContain("HOST_MANAGER_COOKIE_SECURE=false");
  });

  it("leaves Secure off only when told to", async () => {
    await t.close();
    t = await startTestService({ env: { HOST_MANAGER_COOKIE_SECURE: "false" } });
    const setCookie = String((await login(VIEWER.token)).headers["set-cookie"]);
    expect(setCookie).toMatch(/HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  });

  it("shows the fleet: counts by state, the last cycle, the storm guard and the chart", async () => {
    await seedMixedFleet(t);
    const page = (await get("/")).body;
    expect(countOf(page, "all")).toBe(10);
    expect(countOf(page, "running")).toBe(5);
    expect(countOf(page, "client-exited")).toBe(1);
    expect(countOf(page, "remediating")).toBe(4);
    expect(countOf(page, "unhealthy")).toBe(0);
    expect(page).toContain('data-storm-guard="closed"');
    expect(page).toMatch(/Last health check: 2026-01-01 12:25:00 UTC/);
    expect(page).toMatch(/<svg\s+class="chart"[\s\S]*<polygon/);
    // What a reader sees: HTML collapses whitespace.
    const row = page
      .slice(page.indexOf(`data-instance="${simInstanceId(7)}"`))
      .replace(/\s+/g, " ");
    expect(row).toMatch(/reboot ok \(client-failed\)/);
    expect(row).toMatch(/16 \/ 8/);
    expect(rowsOf(page)).toHaveLength(10);
  });

  it("filters by state and sorts by any column, both ways", async () => {
    await seedMixedFleet(t);
    const remediating = rowsOf((await get("/?state=remediating")).body);
    expect(remediating.map((r) => r.id)).toEqual([7, 8, 9, 10].map(simInstanceId));
    const byIpDesc = rowsOf((await get("/?sort=ip&dir=desc")).body).map((r) => r.id);
    expect(byIpDesc).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map(simInstanceId));
    const byState = rowsOf((await get("/")).body).map((r) => r.state);
    expect(byState.slice(0, 4)).toEqual(Array(4).fill("remediating"));
    expect(byState.at(-1)).toBe("running");
    // A stale or hostile query falls back to the defaults.
    expect(rowsOf((await get("/?state=<x>&sort=nope&dir=up")).body)).toHaveLength(10);
  });

  it("escapes what hosts send, and what the cloud says in errors", async () => {
    const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    await reportHosts(t, [{ n: 1, status: 2, extra: { clientVersion: evil } }]);
    t.service.store.addEvent({
      instanceId: simInstanceId(1),
      at: t.clock.now(),
      action: "reboot",
      outcome: "error",
      reason: "heartbeat-timeout",
      detail: `<b onmouseover="x">IncorrectInstanceStatus</b>`,
    });
    const page = (await get("/")).body;
    expect(page).not.toContain("<script>");
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<b onmouseover");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("&lt;b onmouseover=&quot;x&quot;&gt;");
  });

  it("signs out by clearing the cookie", async () => {
    const res = await t.service.app.inject({ method: "POST", url: "/logout" });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers["set-cookie"])).toMatch(/^hm_session=; .*Max-Age=0/);
  });
});
