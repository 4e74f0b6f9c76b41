// Issue 17: polling heavy reads starved report ingest, and nothing slowed token guesses.
// Over real HTTP: heavy reads are limited per source address (reports never), and an
// address that sends too many wrong tokens or sign-ins is refused for the window, even
// the right token, while other addresses go on.
import { report, TOKEN, VIEWER } from "../support/fixtures";
import { rawRequest } from "../support/http";
import { startTestService, type TestService } from "../support/service";

describe("per-address request limits", () => {
  let t: TestService;
  let url: string;
  beforeEach(async () => {
    t = await startTestService({
      service: {
        requestLimits: {
          heavyReads: { limit: 5, windowMs: 60_000 },
          guesses: { limit: 3, windowMs: 60_000 },
        },
      },
    });
    url = await t.listen();
  });
  afterEach(() => t.close());

  const postReport = (localAddress?: string) =>
    rawRequest(`${url}/rpc/v1/status`, {
      method: "POST",
      headers: { ...t.auth, "content-type": "application/json" },
      body: JSON.stringify(report("i-sim-0001")),
      localAddress,
    });

  it("limits heavy reads per address, and never reports", async () => {
    const reads = ["/api/v1/hosts", "/api/v1/health-check", "/", "/metrics", "/api/v1/hosts"];
    for (const path of reads)
      expect((await rawRequest(url + path, { headers: t.viewer })).status).toBe(200);
    const limited = await rawRequest(`${url}/api/v1/hosts`, { headers: t.viewer });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect((await rawRequest(`${url}/`, { headers: t.viewer })).status).toBe(429);
    for (let i = 0; i < 20; i++) expect((await postReport()).status).toBe(200);
    // Another address has its own budget.
    expect(
      (await rawRequest(`${url}/api/v1/hosts`, { headers: t.viewer, localAddress: "127.0.0.2" }))
        .status,
    ).toBe(200);
    t.clock.advanceMinutes(1);
    expect((await rawRequest(`${url}/api/v1/hosts`, { headers: t.viewer })).status).toBe(200);
  });

  it("refuses an address that guessed the token too often, even the right token", async () => {
    const wrong = { authorization: `Bearer ${TOKEN}x` };
    for (let i = 0; i < 3; i++) {
      expect((await rawRequest(`${url}/api/v1/hosts`, { headers: wrong })).status).toBe(401);
    }
    expect((await rawRequest(`${url}/api/v1/hosts`, { headers: wrong })).status).toBe(429);
    expect((await postReport()).status).toBe(429);
    expect((await rawRequest(`${url}/`, { headers: t.viewer })).status).toBe(429);
    // Requests without any token are not guesses, and other addresses go on.
    expect((await postReport("127.0.0.2")).status).toBe(200);
    t.clock.advanceMinutes(1);
    expect((await postReport()).status).toBe(200);
  });

  it("refuses an address after too many failed sign-ins", async () => {
    const signIn = (token: string) =>
      rawRequest(`${url}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ name: VIEWER.name, token }).toString(),
      });
    for (let i = 0; i < 3; i++)
      expect((await signIn("nope")).headers.location).toBe("/login?error=1");
    expect((await signIn(VIEWER.token)).status).toBe(429);
    expect((await rawRequest(`${url}/api/v1/hosts`, { headers: t.viewer })).status).toBe(429);
    expect(
      (await rawRequest(`${url}/api/v1/hosts`, { headers: t.viewer, localAddress: "127.0.0.2" }))
        .status,
    ).toBe(200);
  });
});
