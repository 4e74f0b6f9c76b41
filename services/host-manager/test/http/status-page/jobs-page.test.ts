// Jobs on the status page: the newest jobs with their progress, each job's page with
// every host's result a page at a time (the retcode in hex with its meaning, data cut
// short with its size), and the revoke form: shown to the operator role only, posted
// from the page itself it revokes as the API does and is audited; a viewer, a post from
// another site and a missing reason are refused and change nothing.
import { SimulatedCloud } from "../../../src/adapters/cloud/simulated";
import { JOBS_ON_PAGE } from "../../../src/http/status-page/jobs-section";
import { JOB_PAGE_DATA_BYTES, JOB_PAGE_RESULTS } from "../../../src/http/status-page/job-page";
import { hostIds, JobHosts } from "../../jobs/job-hosts";
import { OPERATOR, VIEWER } from "../../support/fixtures";
import { pageForms, SAME_ORIGIN } from "../../support/page-forms";
import { startTestService, type TestService } from "../../support/service";

const [A, B, C] = hostIds(3);

let t: TestService;
let url: string;
let hosts: JobHosts;
beforeEach(async () => {
  t = await startTestService({ cloud: (clock) => new SimulatedCloud(5, clock) });
  url = await t.listen();
  hosts = new JobHosts(url);
});
afterEach(() => t.close());

async function submit(body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${url}/api/v1/jobs`, {
    method: "POST",
    headers: { ...t.operator, "content-type": "application/json" },
    body: JSON.stringify({ reason: "perf run <42>", ...body }),
  });
  expect(res.status).toBe(201);
  return Number(((await res.json()) as { id: string }).id);
}

/** The host takes its next task and ends it with `result`. */
async function run(host: string, result: Record<string, unknown>) {
  const offer = await hosts.next(host);
  const version = await hosts.accept(host, offer!);
  expect((await hosts.result(host, offer!.taskId, version!, result)).status).toBe(200);
}

const signIn = (who: { name: string; token: string }) => pageForms(t).signIn(who);
const get = (path: string, headers: Record<string, string>) =>
  t.service.app.inject({ method: "GET", url: path, headers });
const post = (path: string, form: Record<string, string>, headers: Record<string, string>) =>
  pageForms(t).post(path, form, headers);
const rowsOf = (body: string) => [...body.matchAll(/<tr data-host="([^"]+)"/g)].map((m) => m[1]);

describe("the Jobs section", () => {
  it("shows the newest jobs: action, who, why, progress and times, each linking to its page", async () => {
    // One attempt each: a failure is final at once, not delayed for a retry.
    const id = await submit({ action: "stop-client", hosts: { ids: [A, B, C] }, maxAttempts: 1 });
    await run(A, { resp: "success", message: "stopped" });
    await run(B, { resp: "failed", code: 7, message: "no client" });
    const page = (await get("/", t.viewer)).body;
    const row = page.match(new RegExp(`<tr data-job="${id}">[\\s\\S]*?</tr>`))?.[0] ?? "";
    expect(row).toContain(`href="/job?id=${id}"`);
    expect(row).toContain("<code>stop-client</code>");
    expect(row).toContain("<td>ops</td>");
    expect(row).toContain("perf run &lt;42&gt;");
    expect(row).toMatch(/data-part="success"\s+style="width:33.33%"/);
    expect(row).toMatch(/data-part="failed"\s+style="width:33.33%"/);
    expect(row).toMatch(/data-part="waiting"\s+style="width:33.33%"/);
    expect(row).toMatch(/running: 2 of 3\s+done/);

    await run(C, { resp: "success" });
    const done = (await get("/", t.viewer)).body;
    expect(done).toMatch(new RegExp(`<tr data-job="${id}">[\\s\\S]*?data-job-state="finished"`));
  });

  it("shows a job's progress at once, though the page is kept for the fleet's snapshot", async () => {
    await t.close();
    t = await startTestService({
      cloud: (clock) => new SimulatedCloud(5, clock),
      service: { snapshotMaxAgeMs: 60_000 },
    });
    url = await t.listen();
    hosts = new JobHosts(url);
    const id = await submit({ action: "stop-client", hosts: { ids: [A] } });
    const state = async () =>
      (await get("/", t.viewer)).body.match(
        new RegExp(`<tr data-job="${id}">[\\s\\S]*?data-job-state="(\\w+)"`),
      )?.[1];
    expect(await state()).toBe("running");
    await run(A, { resp: "success" });
    expect(await state()).toBe("finished");
  });

  it("shows a bounded count, newest first", async () => {
    const ids: number[] = [];
    for (let i = 0; i < JOBS_ON_PAGE + 2; i++)
      ids.push(await submit({ action: "reboot", hosts: { ids: [A] } }));
    const shown = [...(await get("/", t.viewer)).body.matchAll(/<tr data-job="(\d+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(shown).toEqual(ids.slice(-JOBS_ON_PAGE).reverse());
  });
});

describe("a job's page", () => {
  it("shows every host's result a page at a time, linking to the host", async () => {
    // Named ids outside the fleet fail at once (NO_SUCH_HOST): a job of 151 hosts with no wait.
    const gone = Array.from({ length: 150 }, (_, i) => `i-gone-${String(i).padStart(3, "0")}`);
    const id = await submit({ action: "reboot", hosts: { ids: [A, ...gone] } });
    const first = await get(`/job?id=${id}`, t.viewer);
    expect(first.statusCode).toBe(200);
    expect(first.headers["content-security-policy"]).toContain("default-src 'none'");
    const firstRows = rowsOf(first.body);
    expect(firstRows).toHaveLength(JOB_PAGE_RESULTS);
    expect(firstRows).toEqual([...gone].sort().slice(0, JOB_PAGE_RESULTS));
    expect(first.body).toContain(`<a href="/host?id=i-gone-000"><code>i-gone-000</code></a>`);
    expect(first.body).toContain('data-retcode="0x0101"');
    expect(first.body).toContain("no such host: a named id is not an active host of the fleet");
    expect(first.body).not.toContain("First page");
    const next = first.body.match(/<a href="([^"]+)" rel="next">/)?.[1]?.replace(/&amp;/g, "&");
    expect(next).toMatch(new RegExp(`^/job\\?id=${id}&cursor=`));

    const second = await get(next!, t.viewer);
    const secondRows = rowsOf(second.body);
    expect(secondRows).toEqual([...gone.slice(JOB_PAGE_RESULTS), A].sort());
    expect(second.body).not.toContain('rel="next"');
    expect(second.body).toContain(`<a href="/job?id=${id}">First page</a>`);
    // A's task is offered, not ended: no retcode yet.
    expect(second.body).toMatch(new RegExp(`<tr data-host="${A}"[\\s\\S]*?none yet`));
  });

  it("shows a failure's own code and meaning, and cuts long data with its size", async () => {
    const id = await submit({ action: "collect-logs", hosts: { ids: [A, B] }, maxAttempts: 1 });
    const logs = "log line <b>\n".repeat(400); // 5,200 bytes
    await run(A, { resp: "success", message: "collected", data: logs });
    await run(B, { resp: "failed", code: 0x2a, message: "log folder missing", data: "short" });
    const page = (await get(`/job?id=${id}`, await signIn(VIEWER))).body;
    const rowA = page.match(new RegExp(`<tr data-host="${A}"[\\s\\S]*?</tr>`))?.[0] ?? "";
    expect(rowA).toContain('data-retcode="0x0000"');
    expect(rowA).toContain('data-data-bytes="5200" data-data-cut="true"');
    expect(rowA).toContain(`5200 bytes, the first ${JOB_PAGE_DATA_BYTES} shown`);
    const shown = rowA.match(/<pre class="data">([\s\S]*?)<\/pre>/)?.[1] ?? "";
    expect(shown).toContain("log line &lt;b&gt;");
    expect(shown).not.toContain("<b>");
    expect(shown.replace(/&lt;/g, "<").replace(/&gt;/g, ">")).toBe(
      logs.slice(0, JOB_PAGE_DATA_BYTES) + "…",
    );
    const rowB = page.match(new RegExp(`<tr data-host="${B}"[\\s\\S]*?</tr>`))?.[0] ?? "";
    expect(rowB).toContain('data-retcode="0x032a"');
    expect(rowB).toContain("the action failed on the host with its code 42");
    expect(rowB).toContain("log folder missing");
    expect(rowB).toContain('data-data-bytes="5" data-data-cut="false"');
  });

  it("asks for an id without one, and answers 404 for no such job; signed out, sign in", async () => {
    const lookup = await get("/job", t.viewer);
    expect([lookup.statusCode, lookup.body]).toEqual([
      200,
      expect.stringContaining('action="/job"'),
    ]);
    expect((await get("/job?id=999", t.viewer)).statusCode).toBe(404);
    expect((await get("/job?id=1%20OR%201", t.viewer)).statusCode).toBe(404);
    expect((await get("/job?id=<x>", t.viewer)).body).toContain("&lt;x&gt;");
    const signedOut = await get("/job?id=1", {});
    expect([signedOut.statusCode, signedOut.headers.location]).toEqual([303, "/login"]);
  });
});

describe("the revoke form", () => {
  it("is shown to the operator role only, while the job has something to revoke", async () => {
    const id = await submit({ action: "reboot", hosts: { ids: [A] } });
    const form = 'action="/job/revoke"';
    expect((await get(`/job?id=${id}`, t.operator)).body).toContain(form);
    expect((await get(`/job?id=${id}`, await signIn(OPERATOR))).body).toContain(form);
    expect((await get(`/job?id=${id}`, t.viewer)).body).not.toContain(form);
    expect((await get(`/job?id=${id}`, await signIn(VIEWER))).body).not.toContain(form);
    await run(A, { resp: "success" });
    expect((await get(`/job?id=${id}`, t.operator)).body).not.toContain(form);
  });

  it("revokes what has not started, as the API does, audited under the operator's name", async () => {
    const id = await submit({ action: "reboot", hosts: { ids: [A, B, C] }, concurrency: 1 });
    const offer = await hosts.next(A);
    await hosts.accept(A, offer!);
    const session = await signIn(OPERATOR);
    const res = await post(
      "/job/revoke",
      { id: String(id), reason: "wrong image" },
      { ...SAME_ORIGIN, ...session },
    );
    expect([res.statusCode, res.headers.location]).toEqual([303, `/job?id=${id}`]);
    expect(t.service.audit.newest(1)[0]).toMatchObject({
      who: OPERATOR.name,
      action: "job-revoke",
      target: `job ${id}`,
      reason: "wrong image",
      outcome: "revoked 2 tasks not yet started",
    });
    const page = (await get(`/job?id=${id}`, session)).body;
    expect(page).toMatch(new RegExp(`<tr data-host="${B}"[\\s\\S]*?data-retcode="0x0401"`));
    expect(page).toContain("revoked by an operator before it started");
    expect(page).toMatch(new RegExp(`<tr data-host="${A}"[\\s\\S]*?>reserved<`));
    expect(page).toContain('data-job-state="revoking"');
    expect(page).not.toContain('action="/job/revoke"');
  });

  it("refuses a viewer, the fleet token, another site, a missing reason and no such job", async () => {
    const id = await submit({ action: "reboot", hosts: { ids: [A] } });
    const form = { id: String(id), reason: "x" };
    const session = await pageForms(t).expectRefusedButToOperators("/job/revoke", form);
    const noReason = await post(
      "/job/revoke",
      { id: String(id), reason: " " },
      { ...SAME_ORIGIN, ...session },
    );
    expect([noReason.statusCode, noReason.body]).toEqual([400, expect.stringContaining("reason")]);
    const noJob = await post(
      "/job/revoke",
      { id: "999", reason: "x" },
      { ...SAME_ORIGIN, ...session },
    );
    expect(noJob.statusCode).toBe(404);
    expect(t.service.audit.newest(10).filter((e) => e.action === "job-revoke")).toEqual([]);
    const res = await fetch(`${url}/api/v1/jobs/${id}`, { headers: t.viewer });
    expect(((await res.json()) as { revokedAt: unknown }).revokedAt).toBeNull();
  });
});

describe("a task whose host went quiet", () => {
  it("shows as ready again once its time-to-run has passed, with no host or API read in between", async () => {
    const id = await submit({ action: "stop-client", hosts: { ids: [A] }, timeToRunSeconds: 60 });
    const offer = await hosts.next(A);
    await hosts.accept(A, offer!);
    expect((await get(`/job?id=${id}`, t.viewer)).body).toMatch(
      new RegExp(`<tr data-host="${A}"[\\s\\S]*?>reserved<`),
    );
    // The host dies: nothing polls, nothing reads the API; only the page is looked at.
    t.clock.advanceMs(61_000);
    const jobPage = (await get(`/job?id=${id}`, t.viewer)).body;
    expect(jobPage).toMatch(new RegExp(`<tr data-host="${A}"[\\s\\S]*?>ready<`));
    expect(jobPage).not.toMatch(/>reserved</);
  });
});
