// Fleet jobs over real HTTP with a manual clock: who may submit, validation that names
// the field, the audit log, a host's own tasks only, one winner of a race, the
// time-to-run, revocation, and the freeze.
import { SimulatedCloud } from "../../src/adapters/cloud/simulated";
import { RETCODE } from "../../src/domain/jobs/retcode";
import { startTestService, type TestService } from "../support/service";
import { FLEET_AUTH, hostIds, JobHosts } from "./job-hosts";

let t: TestService;
let url: string;
let hosts: JobHosts;
const [A, B, C] = hostIds(3);

beforeEach(async () => {
  t = await startTestService({ cloud: (clock) => new SimulatedCloud(5, clock) });
  url = await t.listen();
  hosts = new JobHosts(url);
});
afterEach(() => t.close());

const submit = (body: Record<string, unknown>, auth: Record<string, string> = t.operator) =>
  fetch(`${url}/api/v1/jobs`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ reason: "perf run 42", ...body }),
  });

async function submitOk(body: Record<string, unknown>): Promise<string> {
  const res = await submit(body);
  expect([res.status, await res.clone().text()]).toEqual([201, expect.any(String)]);
  return ((await res.json()) as { id: string }).id;
}

async function job(id: string) {
  const res = await fetch(`${url}/api/v1/jobs/${id}`, { headers: t.viewer });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    tasks: Record<string, number>;
    finishedAt: string | null;
    results: {
      host: string;
      state: string;
      resp: string | null;
      retcode: number | null;
      message: string | null;
      attempts: number;
    }[];
  };
}

const resultOf = async (id: string, host: string) =>
  (await job(id)).results.find((r) => r.host === host);

describe("submitting", () => {
  it("refuses the fleet token and a viewer; an operator's job is audited", async () => {
    const body = { action: "stop-client", hosts: { all: true } };
    expect((await submit(body, FLEET_AUTH)).status).toBe(403);
    expect((await submit(body, t.viewer)).status).toBe(403);
    const id = await submitOk(body);
    const audit = await fetch(`${url}/api/v1/audit`, { headers: t.viewer });
    expect(((await audit.json()) as { entries: unknown[] }).entries).toEqual([
      expect.objectContaining({
        who: "ops",
        action: "job-submit",
        target: `job ${id}`,
        reason: "perf run 42",
        outcome: "submitted: stop-client on 5 hosts",
      }),
    ]);
    expect((await job(id)).tasks).toEqual(expect.objectContaining({ total: 5, ready: 5 }));
  });

  it.each([
    [{ action: "rm -rf", hosts: { all: true } }, "action"],
    [{ action: "restart-client", params: { args: [1] }, hosts: { all: true } }, "params.args.0"],
    [{ action: "restart-client", params: {}, hosts: { all: true } }, "params.args"],
    [
      { action: "collect-logs", params: { maxBytes: 10_000_000 }, hosts: { all: true } },
      "params.maxBytes",
    ],
    [{ action: "reboot", params: { force: true }, hosts: { all: true } }, "params"],
    [{ action: "reboot", hosts: { ids: [] } }, "hosts.ids"],
    [{ action: "reboot", hosts: { zone: "cn-hangzhou-h" } }, "hosts"],
    [{ action: "reboot", hosts: { all: true }, concurrency: 0 }, "concurrency"],
    [{ action: "reboot", hosts: { all: true }, deadline: "2020-01-01T00:00:00Z" }, "deadline"],
    [{ action: "reboot", hosts: { all: true }, reason: " " }, "reason"],
    [{ action: "reboot", hosts: { generation: "g-none" } }, "hosts"],
  ])("refuses %j naming %s", async (body, field) => {
    const res = await submit(body as Record<string, unknown>);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(expect.objectContaining({ field }));
  });

  it("chooses the hosts of a zone, as the cloud listed it", async () => {
    const id = await submitOk({ action: "stop-client", hosts: { zone: "sim-zone-b" } });
    const inZone = (await job(id)).results.map((r) => r.host);
    const listed = t.service.store.listActive().filter((h) => h.zone === "sim-zone-b");
    expect(inZone).toEqual(listed.map((h) => h.instanceId).sort());
    expect(inZone.length).toBeGreaterThan(0);
    expect(inZone.length).toBeLessThan(5);
  });

  it("fails named hosts that are not in the fleet at once, with NO_SUCH_HOST", async () => {
    const id = await submitOk({ action: "reboot", hosts: { ids: [A, "i-gone"] } });
    expect(await resultOf(id, "i-gone")).toEqual(
      expect.objectContaining({ state: "failed", resp: "failed", retcode: RETCODE.NO_SUCH_HOST }),
    );
    expect(await resultOf(id, A)).toEqual(expect.objectContaining({ state: "ready", resp: null }));
  });
});

describe("a host's tasks", () => {
  it("are its own: another host neither sees nor accepts them", async () => {
    await submitOk({ action: "stop-client", hosts: { ids: [A] } });
    expect(await hosts.next(B)).toBeNull();
    const offer = await hosts.next(A);
    expect(offer).toEqual(expect.objectContaining({ action: "stop-client", attempt: 1 }));
    const stolen = await hosts.post(B, offer!.taskId, "accept", { version: offer!.version });
    expect(stolen.status).toBe(404);
    expect(await hosts.accept(A, offer!)).toBe(offer!.version + 1);
  });

  it("need the fleet token and an instance of the fleet", async () => {
    const noToken = await fetch(`${url}/rpc/v1/tasks/next`, { headers: { "x-instance-id": A } });
    expect(noToken.status).toBe(401);
    const operator = await fetch(`${url}/rpc/v1/tasks/next`, {
      headers: { ...t.operator, "x-instance-id": A },
    });
    expect(operator.status).toBe(401);
    const unknown = await fetch(`${url}/rpc/v1/tasks/next`, {
      headers: { ...FLEET_AUTH, "x-instance-id": "i-not-ours" },
    });
    expect(unknown.status).toBe(403);
  });

  it("go to the instance a registered host's own credential names, whatever header it sends", async () => {
    await submitOk({ action: "stop-client", hosts: { ids: [A] } });
    const credential = t.service.credentials.issue(B, t.clock.now());
    const asB = { authorization: `Bearer ${credential}` };
    // B's credential, claiming to be A: it is still B, which has no task.
    const claimsA = await fetch(`${url}/rpc/v1/tasks/next`, {
      headers: { ...asB, "x-instance-id": A },
    });
    expect([claimsA.status, await claimsA.json()]).toEqual([
      200,
      expect.objectContaining({ task: null }),
    ]);
    await submitOk({ action: "stop-client", hosts: { ids: [B] } });
    const own = await fetch(`${url}/rpc/v1/tasks/next`, { headers: asB });
    const { task } = (await own.json()) as { task: { action: string } | null };
    expect(task).toEqual(expect.objectContaining({ action: "stop-client" }));
  });

  it("go to one of two concurrent accepts", async () => {
    await submitOk({ action: "reboot", hosts: { ids: [A] } });
    const offer = (await hosts.next(A))!;
    const both = await Promise.all(
      [1, 2].map(() => hosts.post(A, offer.taskId, "accept", { version: offer.version })),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    // And one host of two racing for a task of either: each wins only its own.
    await submitOk({ action: "stop-client", hosts: { ids: [B, C] } });
    const [b, c] = [(await hosts.next(B))!, (await hosts.next(C))!];
    const race = await Promise.all([
      hosts.post(C, b.taskId, "accept", { version: b.version }),
      hosts.post(B, b.taskId, "accept", { version: b.version }),
      hosts.post(B, c.taskId, "accept", { version: c.version }),
      hosts.post(C, c.taskId, "accept", { version: c.version }),
    ]);
    expect(race.map((r) => r.status)).toEqual([404, 200, 404, 200]);
  });

  it("carry a result: success is 0, a failure its code under ACTION_FAILED, data bounded", async () => {
    const id = await submitOk({
      action: "collect-logs",
      params: { maxBytes: 4096 },
      hosts: { ids: [A, B] },
      maxAttempts: 1,
    });
    const a = (await hosts.next(A))!;
    expect(a.params).toEqual({ maxBytes: 4096 });
    const va = (await hosts.accept(A, a))!;
    const big = await hosts.result(A, a.taskId, va, { resp: "success", data: "x".repeat(40_000) });
    expect(big.status).toBe(400);
    expect(await big.json()).toEqual(expect.objectContaining({ field: "data" }));
    const ok = await hosts.result(A, a.taskId, va, { resp: "success", data: "log line\n" });
    expect(ok.status).toBe(200);
    const b = (await hosts.next(B))!;
    const vb = (await hosts.accept(B, b))!;
    const failed = await hosts.result(B, b.taskId, vb, {
      resp: "failed",
      code: 7,
      message: "no log dir",
    });
    expect(await failed.json()).toEqual({ state: "buried" });
    expect(await resultOf(id, A)).toEqual(
      expect.objectContaining({ resp: "success", retcode: 0, state: "success" }),
    );
    expect(await resultOf(id, B)).toEqual(
      expect.objectContaining({
        resp: "failed",
        retcode: 0x0307,
        message: "no log dir",
        state: "buried",
      }),
    );
    expect((await job(id)).finishedAt).not.toBeNull();
  });

  it("are not acknowledged when the write fails: 503, and the host retries", async () => {
    await submitOk({ action: "reboot", hosts: { ids: [A] } });
    const offer = (await hosts.next(A))!;
    t.service.db.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON job_tasks
      BEGIN SELECT RAISE(ABORT, 'disk gone'); END`);
    const refused = await hosts.post(A, offer.taskId, "accept", { version: offer.version });
    expect([refused.status, refused.headers.get("retry-after")]).toEqual([503, "30"]);
    t.service.db.exec("DROP TRIGGER refuse");
    expect(await hosts.accept(A, offer)).toBe(offer.version + 1);
  });
});

describe("time-to-run and retries", () => {
  it("gives a task back to ready when its host goes quiet, for another attempt", async () => {
    const id = await submitOk({
      action: "restart-client",
      params: { args: ["--threads", "16"] },
      hosts: { ids: [A] },
      timeToRunSeconds: 60,
      maxAttempts: 2,
    });
    const first = (await hosts.next(A))!;
    const v1 = (await hosts.accept(A, first))!;
    t.clock.advanceMs(30_000);
    // Progress starts its time-to-run again.
    expect(await (await hosts.post(A, first.taskId, "progress", { version: v1 })).json()).toEqual({
      revoked: false,
    });
    t.clock.advanceMs(59_000);
    expect(await hosts.next(A)).toBeNull();
    expect((await resultOf(id, A))?.state).toBe("reserved");
    // Then the host dies: past its time-to-run the task is ready again, a new version.
    t.clock.advanceMs(2_000);
    const second = (await hosts.next(A))!;
    expect(second).toEqual(expect.objectContaining({ taskId: first.taskId, attempt: 2 }));
    expect(second.version).toBeGreaterThan(v1);
    // The dead attempt's late word is refused, and so is the version it was first offered.
    expect((await hosts.result(A, first.taskId, v1)).status).toBe(409);
    expect(await hosts.accept(A, first)).toBeUndefined();
    const v2 = (await hosts.accept(A, second))!;
    expect((await hosts.result(A, second.taskId, v2)).status).toBe(200);
    expect(await resultOf(id, A)).toEqual(
      expect.objectContaining({ state: "success", retcode: 0, attempts: 2 }),
    );
  });

  it("buries a task after its last attempt times out", async () => {
    const id = await submitOk({
      action: "reboot",
      hosts: { ids: [A] },
      timeToRunSeconds: 60,
      maxAttempts: 1,
    });
    await hosts.accept(A, (await hosts.next(A))!);
    t.clock.advanceMs(61_000);
    expect(await hosts.next(A)).toBeNull();
    expect(await resultOf(id, A)).toEqual(
      expect.objectContaining({ state: "buried", resp: "failed", retcode: RETCODE.TIMED_OUT }),
    );
  });

  it("delays a failed attempt by the retry delay, then offers it again", async () => {
    const id = await submitOk({
      action: "stop-client",
      hosts: { ids: [A] },
      maxAttempts: 2,
      retryDelaySeconds: 30,
    });
    const first = (await hosts.next(A))!;
    const v = (await hosts.accept(A, first))!;
    const res = await hosts.result(A, first.taskId, v, { resp: "failed", code: 1 });
    expect(await res.json()).toEqual({ state: "delayed" });
    t.clock.advanceMs(29_000);
    expect(await hosts.next(A)).toBeNull();
    t.clock.advanceMs(2_000);
    const again = (await hosts.next(A))!;
    expect(again.attempt).toBe(2);
    expect((await resultOf(id, A))?.state).toBe("ready");
  });

  it("starts nothing after the job's deadline", async () => {
    const deadline = new Date(t.clock.now() + 60_000).toISOString();
    const id = await submitOk({
      action: "reboot",
      hosts: { ids: [A, B] },
      deadline,
      concurrency: 1,
    });
    const a = (await hosts.next(A))!;
    const va = (await hosts.accept(A, a))!;
    t.clock.advanceMs(61_000);
    expect(await hosts.next(B)).toBeNull();
    expect((await hosts.result(A, a.taskId, va)).status).toBe(200);
    expect(await resultOf(id, B)).toEqual(
      expect.objectContaining({ state: "failed", retcode: RETCODE.DEADLINE_PASSED }),
    );
    expect((await job(id)).finishedAt).not.toBeNull();
  });
});

describe("revoking", () => {
  it("starts no new task; a running one sees it and may finish; audited", async () => {
    const id = await submitOk({ action: "reboot", hosts: { ids: [A, B, C] }, concurrency: 1 });
    const a = (await hosts.next(A))!;
    const va = (await hosts.accept(A, a))!;
    const viewer = await fetch(`${url}/api/v1/jobs/${id}/revoke`, {
      method: "POST",
      headers: { ...t.viewer, "content-type": "application/json" },
      body: JSON.stringify({ reason: "wrong args" }),
    });
    expect(viewer.status).toBe(403);
    const res = await fetch(`${url}/api/v1/jobs/${id}/revoke`, {
      method: "POST",
      headers: { ...t.operator, "content-type": "application/json" },
      body: JSON.stringify({ reason: "wrong args" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expect.objectContaining({ revokedTasks: 2 }));
    t.clock.advanceMs(5_000);
    expect(await hosts.next(B)).toBeNull();
    expect(await hosts.next(C)).toBeNull();
    const progress = await hosts.post(A, a.taskId, "progress", { version: va, note: "50%" });
    expect(await progress.json()).toEqual({ revoked: true });
    expect((await hosts.result(A, a.taskId, va)).status).toBe(200);
    const after = await job(id);
    expect(after.tasks).toEqual(expect.objectContaining({ success: 1, revoked: 2 }));
    expect(after.results.find((r) => r.host === B)).toEqual(
      expect.objectContaining({ resp: "failed", retcode: RETCODE.REVOKED }),
    );
    expect(after.finishedAt).not.toBeNull();
    const audit = await fetch(`${url}/api/v1/audit`, { headers: t.viewer });
    expect(((await audit.json()) as { entries: { action: string }[] }).entries[0]).toEqual(
      expect.objectContaining({ action: "job-revoke", target: `job ${id}`, reason: "wrong args" }),
    );
  });
});

describe("the freeze", () => {
  const freeze = () =>
    fetch(`${url}/api/v1/freeze`, {
      method: "POST",
      headers: { ...t.operator, "content-type": "application/json" },
      body: JSON.stringify({
        until: new Date(t.clock.now() + 3_600_000).toISOString(),
        reason: "benchmark",
      }),
    });

  it("holds a job unless it runs during a freeze", async () => {
    expect((await freeze()).status).toBe(201);
    const held = await submitOk({ action: "reboot", hosts: { ids: [A] } });
    await submitOk({ action: "collect-diagnostics", hosts: { ids: [B] }, runDuringFreeze: true });
    expect(await hosts.next(A)).toBeNull();
    expect(await hosts.next(B)).toEqual(expect.objectContaining({ action: "collect-diagnostics" }));
    expect((await job(held)).tasks).toEqual(expect.objectContaining({ pending: 1 }));
    const unfreeze = await fetch(`${url}/api/v1/unfreeze`, {
      method: "POST",
      headers: { ...t.operator, "content-type": "application/json" },
      body: JSON.stringify({ reason: "done" }),
    });
    expect(unfreeze.status).toBe(200);
    t.clock.advanceMs(1_000);
    expect(await hosts.next(A)).toEqual(expect.objectContaining({ action: "reboot" }));
  });

  it("takes back an offered task when a freeze begins", async () => {
    await submitOk({ action: "reboot", hosts: { ids: [A] } });
    const offer = (await hosts.next(A))!;
    expect((await freeze()).status).toBe(201);
    expect(await hosts.accept(A, offer)).toBeUndefined();
    t.clock.advanceMs(1_000);
    expect(await hosts.next(A)).toBeNull();
  });
});
