// Issue 17, session hygiene, over real HTTP: signing out revokes the session on the
// server (a copy of its cookie opens nothing), no session outlives its TTL whatever its
// cookie says, and sign-in and sign-out refuse posts from another site.
import { createHmac, randomBytes } from "node:crypto";
import { SESSION_COOKIE, SESSION_TTL_SECONDS } from "../../../src/http/status-page/session";
import { TOKEN, VIEWER } from "../../support/fixtures";
import { rawRequest } from "../../support/http";
import { eachListening } from "../../support/service";

const FORM = { "content-type": "application/x-www-form-urlencoded" };

describe("status-page sessions", () => {
  const service = eachListening();

  const signIn = (headers: Record<string, string> = {}) =>
    rawRequest(`${service.url}/login`, {
      method: "POST",
      headers: { ...FORM, ...headers },
      body: new URLSearchParams({ name: VIEWER.name, token: VIEWER.token }).toString(),
    });
  const cookieOf = (res: { headers: Record<string, unknown> }) =>
    String(res.headers["set-cookie"] ?? "").split(";")[0] as string;
  const page = async (cookie: string) =>
    (await rawRequest(`${service.url}/`, { headers: { cookie } })).status;
  const signOut = (cookie: string, headers: Record<string, string> = {}) =>
    rawRequest(`${service.url}/logout`, {
      method: "POST",
      headers: { ...FORM, cookie, ...headers },
    });

  it("revokes the session on sign-out: the same cookie opens nothing afterwards", async () => {
    const cookie = cookieOf(await signIn({ "sec-fetch-site": "same-origin" }));
    expect(await page(cookie)).toBe(200);
    const out = await signOut(cookie, { "sec-fetch-site": "same-origin" });
    expect(out.status).toBe(303);
    expect(String(out.headers["set-cookie"])).toMatch(/Max-Age=0/);
    // A browser that kept the cookie, or anyone who copied it, is signed out too.
    expect(await page(cookie)).toBe(303);
  });

  it("ends a session at its TTL on the server, whatever expiry its cookie claims", async () => {
    const cookie = cookieOf(await signIn());
    service.t.clock.advanceMinutes(SESSION_TTL_SECONDS / 60 - 1);
    expect(await page(cookie)).toBe(200);
    service.t.clock.advanceMinutes(2);
    expect(await page(cookie)).toBe(303);
    // A correctly signed cookie that says it lasts until 2100 but was never issued.
    const key = createHmac("sha256", TOKEN).update("host-manager status-page session v1").digest();
    const payload = `4102444800.${randomBytes(16).toString("base64url")}`;
    const mac = createHmac("sha256", key).update(payload).digest("base64url");
    expect(await page(`${SESSION_COOKIE}=${payload}.${mac}`)).toBe(303);
  });

  it.each([
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
    ["Origin of another site", { origin: "https://evil.example" }],
    ["Origin: null", { origin: "null" }],
  ])("refuses a sign-in posted from another site (%s)", async (_name, headers) => {
    const res = await signIn(headers);
    expect(res.status).toBe(403);
    expect(res.headers["set-cookie"]).toBeUndefined();
  });

  it("refuses a sign-out posted from another site, and the session goes on", async () => {
    const cookie = cookieOf(await signIn());
    expect((await signOut(cookie, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect(await page(cookie)).toBe(200);
  });

  it("takes a sign-in from its own origin", async () => {
    const { host } = new URL(service.url);
    const res = await signIn({ origin: `http://${host}` });
    expect(res.status).toBe(303);
    expect(await page(cookieOf(res))).toBe(200);
  });
});
