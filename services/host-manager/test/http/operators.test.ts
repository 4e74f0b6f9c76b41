// Operators apart from hosts: the fleet token reaches no route but the report, a viewer
// reads but cannot act, and a revoked token (and its sessions) stops working at once.
// Every route the app registers is walked, so a route added later is covered too.
import { z } from "zod";
import { reasonField } from "../../src/http/audited";
import { routesOf } from "../../src/http/server";
import { OPERATOR, TOKEN, VIEWER } from "../support/fixtures";
import { startTestService, type TestService } from "../support/service";

/** A state-changing route as the freeze will add them: the role by default, a reason, an audit entry. */
const ACTION = "/api/v1/test-only/action";
/** The same from the status page, where a session cookie is enough. */
const PAGE_ACTION = "/test-only/page-action";

describe("operator routes", () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService({
      routes: (app, service) =>
        app.post(ACTION, async (request, reply) => {
          const body = z.strictObject({ reason: reasonField }).safeParse(request.body);
          if (!body.success) return reply.code(400).send({ error: "reason is required" });
          service.recordAction(request, {
            action: "test.act",
            reason: body.data.reason,
            outcome: "ok",
          });
          return { ok: true };
        }) && app.post(PAGE_ACTION, { config: { auth: "page" } }, async () => ({ ok: true })),
    });
  });
  afterEach(() => t.close());

  const call = (method: string, url: string, headers: Record<string, string>, body?: unknown) =>
    t.service.app.inject({
      method: method as "GET",
      url,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  const routes = () => routesOf(t.service.app).filter((r) => r.method !== "HEAD");

  it("walks every registered route (the walk itself is not empty)", () => {
    const urls = routes().map((r) => `${r.method} ${r.url}`);
    expect(urls).toEqual(
      expect.arrayContaining([
        "POST /rpc/v1/status",
        "GET /api/v1/hosts",
        "GET /api/v1/audit",
        "GET /metrics",
        "GET /",
        `POST ${ACTION}`,
      ]),
    );
  });

  it("refuses the fleet token on every route but the report", async () => {
    const reached: string[] = [];
    for (const route of routes()) {
      if (route.auth === "none" || route.auth === "fleet") continue;
      const response = await call(
        route.method,
        route.url,
        { authorization: `Bearer ${TOKEN}` },
        {},
      );
      if (![401, 403].includes(response.statusCode)) reached.push(`${route.method} ${route.url}`);
    }
    expect(reached).toEqual([]);
    // Only the report takes it, and no route that is public changes state but sign-in/out
    // and registration (a host has no credential yet: its identity's signature decides).
    expect(
      routes()
        .filter((r) => r.auth === "fleet")
        .map((r) => r.url),
    ).toEqual([
      "/rpc/v1/status",
      // -- wip-jobs: a host's own tasks (requesting-host.ts says which host it is).
      "/rpc/v1/tasks/next",
      "/rpc/v1/tasks/:id/accept",
      "/rpc/v1/tasks/:id/progress",
      "/rpc/v1/tasks/:id/result",
    ]);
    const publicWrites = routes().filter((r) => r.auth === "none" && r.method !== "GET");
    expect(publicWrites.map((r) => r.url).sort()).toEqual([
      "/login",
      "/logout",
      "/rpc/v1/register",
      "/rpc/v1/register/challenge",
    ]);
  });

  it("refuses operator tokens on the report: hosts and people do not share a token", async () => {
    const response = await call("POST", "/rpc/v1/status", t.operator, {});
    expect(response.statusCode).toBe(401);
  });

  it("lets a viewer read every operator read, and refuses it every state-changing route", async () => {
    for (const route of routes()) {
      if (route.auth === "none" || route.auth === "fleet") continue;
      const response = await call(
        route.method,
        route.url,
        t.viewer,
        route.method === "GET" ? undefined : { reason: "x" },
      );
      // A path parameter walked as written (":id") names nothing: let in, then not found.
      if (route.method === "GET")
        expect([route.url, response.statusCode]).toEqual([
          route.url,
          route.url.includes("/:") ? 404 : 200,
        ]);
      else expect([route.url, response.statusCode]).toEqual([route.url, 403]);
    }
  });

  it("lets an operator act, needs a reason, and audits who did it and why", async () => {
    expect((await call("POST", ACTION, t.operator, {})).statusCode).toBe(400);
    const done = await call("POST", ACTION, t.operator, { reason: "bench <run> 42" });
    expect(done.statusCode).toBe(200);
    const audit = await call("GET", "/api/v1/audit", t.viewer);
    expect(audit.json().entries).toEqual([
      expect.objectContaining({
        who: OPERATOR.name,
        action: "test.act",
        reason: "bench <run> 42",
        outcome: "ok",
      }),
    ]);
  });

  it("lets an operator's session act on a page route only from the page itself", async () => {
    const signIn = await t.service.app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ name: OPERATOR.name, token: OPERATOR.token }).toString(),
    });
    const cookie = String(signIn.headers["set-cookie"]).split(";")[0];
    const post = (headers: Record<string, string>) =>
      t.service.app.inject({ method: "POST", url: PAGE_ACTION, headers: { cookie, ...headers } });
    expect((await post({ "sec-fetch-site": "same-origin" })).statusCode).toBe(200);
    expect((await post({ "sec-fetch-site": "cross-site" })).statusCode).toBe(403);
    expect((await post({ origin: "https://evil.example" })).statusCode).toBe(403);
    const noSession = await t.service.app.inject({ method: "POST", url: PAGE_ACTION });
    expect(noSession.statusCode).toBe(401);
  });

  it("stops a revoked token at once, on the API and in its sessions", async () => {
    const signIn = await t.service.app.inject({
      method: "POST",
      url: "/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ name: VIEWER.name, token: VIEWER.token }).toString(),
    });
    expect(signIn.statusCode).toBe(303);
    const cookie = String(signIn.headers["set-cookie"]).split(";")[0];
    expect((await call("GET", "/", { cookie })).statusCode).toBe(200);
    expect((await call("GET", "/api/v1/hosts", t.viewer)).statusCode).toBe(200);

    t.service.operators.revoke(VIEWER.name, t.clock.now());

    expect((await call("GET", "/api/v1/hosts", t.viewer)).statusCode).toBe(401);
    const page = await call("GET", "/", { cookie });
    expect([page.statusCode, page.headers.location]).toEqual([303, "/login"]);
  });

  it("signs in only with the operator's own name and token", async () => {
    const login = (name: string, token: string) =>
      t.service.app.inject({
        method: "POST",
        url: "/login",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ name, token }).toString(),
      });
    expect((await login(VIEWER.name, OPERATOR.token)).headers.location).toBe("/login?error=1");
    expect((await login("ops", TOKEN)).headers.location).toBe("/login?error=1");
    expect((await login(OPERATOR.name, OPERATOR.token)).headers["set-cookie"]).toBeDefined();
  });
});

describe("the audit log", () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(() => t.close());

  const entry = (i: number) => ({
    at: t.clock.now() + i,
    who: OPERATOR.name,
    action: "test.act",
    target: null,
    reason: i === 0 ? `<script>alert("x")</script>` : `reason ${i}`,
    outcome: "ok",
  });

  it("pages newest first, bounded at 200, and refuses a limit above it", async () => {
    for (let i = 0; i < 250; i++) t.service.audit.append(entry(i));
    const get = (query: string) =>
      t.service.app.inject({ method: "GET", url: `/api/v1/audit${query}`, headers: t.viewer });
    const first = (await get("?limit=200")).json();
    expect(first.entries).toHaveLength(200);
    expect(first.entries[0].reason).toBe("reason 249");
    const rest = (await get(`?limit=200&before=${first.nextBefore}`)).json();
    expect(rest.entries).toHaveLength(50);
    expect(rest.nextBefore).toBeNull();
    expect((await get("?limit=201")).statusCode).toBe(400);
    expect((await get("")).json().entries).toHaveLength(50);
  });

  it("shows the newest 20 on the status page, escaped", async () => {
    for (let i = 0; i < 25; i++) t.service.audit.append(entry(i));
    const page = await t.service.app.inject({ method: "GET", url: "/", headers: t.viewer });
    const audit = /<table id="audit">([\s\S]*?)<\/table>/.exec(page.body)?.[1] ?? "";
    expect(audit.match(/<tr>/g)).toHaveLength(21);
    expect(audit).toContain("reason 24");
    expect(audit).not.toContain("reason 4<");
    t.service.audit.append({ ...entry(0), at: t.clock.now() + 100 });
    t.service.snapshot.invalidate();
    const again = await t.service.app.inject({ method: "GET", url: "/", headers: t.viewer });
    expect(again.body).not.toContain("<script>");
    expect(again.body).toContain("&lt;script&gt;");
  });
});
