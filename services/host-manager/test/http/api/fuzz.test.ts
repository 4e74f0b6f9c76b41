// Hundreds of generated malformed or hostile bodies against POST /rpc/v1/status:
// every one gets a 4xx (never a 5xx) and the database is left exactly as it was.
import { report } from "../../support/fixtures";
import { fingerprint, startTestService, type TestService } from "../../support/service";
import { seededRandom } from "../../../src/simulation/random";

const WRONG_TYPES: unknown[] = [
  null,
  true,
  false,
  [],
  [1, 2],
  {},
  { $gt: "" },
  -1,
  0,
  1.5,
  1e308,
  "",
  " ",
  "x".repeat(300),
  "\u0000",
  "😀",
];

/**
 * Values that are invalid for each required field whatever else is in the body. The
 * optional clientVersion and hostname are never a reason to refuse (see routes.test.ts).
 */
const INVALID: Record<string, unknown[]> = {
  instanceId: [
    "",
    "i-",
    "i_abc",
    "'; DROP TABLE hosts; --",
    "i-" + "a".repeat(61),
    "../../etc/passwd",
    "I-ABC\n",
    42,
  ],
  privateIp: ["", "10.0.0", "256.1.1.1", "::1", "10.0.0.1; rm -rf /", "localhost", 167772165],
  mac: ["", "00:16:3e", "zz:zz:zz:zz:zz:zz", "00:16:3e:00:00:01:02", "<script>", 1],
  status: [0, 5, -1, 2.5, "2", "running", 1e9, null],
  logicalCpus: [0, -8, 4097, 8.5, "8", null, 2 ** 53],
  physicalCpus: [0, -4, 4097, 4.2, "4", null, 10_000],
};
const REQUIRED = ["instanceId", "privateIp", "mac", "status", "logicalCpus", "physicalCpus"];

const RAW_BODIES = [
  "",
  "{",
  "}",
  "null",
  "[]",
  "true",
  '"report"',
  "1e999",
  '{"instanceId":',
  '{"instanceId":"i-sim-0001",}',
  "{'instanceId':'i-sim-0001'}",
  '{"__proto__":{"status":2}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  "[".repeat(1000) + "]".repeat(1000),
  '{"a":'.repeat(500) + "1" + "}".repeat(500),
  "\uFEFF{}",
  "\u0000\u0001\u0002",
];

interface Case {
  name: string;
  payload: string;
  contentType?: string;
}

function generateCases(count: number, seed: number): Case[] {
  const rnd = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const cases: Case[] = RAW_BODIES.map((payload, i) => ({ name: `raw#${i}`, payload }));
  for (const type of [
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/xml",
    "multipart/form-data; boundary=x",
  ]) {
    cases.push({
      name: `content-type ${type}`,
      payload: JSON.stringify(report("i-sim-0001")),
      contentType: type,
    });
  }
  cases.push({
    name: "oversized",
    payload: JSON.stringify({ ...report("i-sim-0001"), pad: "x".repeat(20_000) }),
  });
  while (cases.length < count) {
    const body: Record<string, unknown> = report("i-sim-0001", { privateIp: "10.0.0.5" });
    const mutations = 1 + Math.floor(rnd() * 3);
    const applied: string[] = [];
    for (let m = 0; m < mutations; m++) {
      const kind = rnd();
      const field = pick(Object.keys(INVALID));
      if (kind < 0.2 && REQUIRED.includes(field)) {
        delete body[field];
        applied.push(`-${field}`);
      } else if (kind < 0.5) {
        body[field] = pick(WRONG_TYPES);
        applied.push(`${field}=wrong-type`);
      } else {
        body[field] = pick(INVALID[field]);
        applied.push(`${field}=invalid`);
      }
    }
    if (rnd() < 0.2)
      body[
        pick(["__proto__", "constructor", "prototype", "admin", "remediationState", "version"])
      ] = { x: 1 };
    const payload =
      rnd() < 0.1
        ? JSON.stringify(body).slice(0, -1 - Math.floor(rnd() * 5))
        : JSON.stringify(body);
    cases.push({ name: applied.join(","), payload });
  }
  return cases;
}

describe("hostile bodies", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
    // Some history to protect: one host reporting.
    const ok = await t.service.app.inject({
      method: "POST",
      url: "/rpc/v1/status",
      headers: t.auth,
      payload: report("i-sim-0001", { privateIp: "10.0.0.5" }),
    });
    expect(ok.statusCode).toBe(200);
  });
  afterAll(() => t.close());

  it("answers 4xx to 600 generated malformed bodies and changes nothing", async () => {
    const before = fingerprint(t.service);
    const cases = generateCases(600, 20260101);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const c of cases) {
      const res = await t.service.app.inject({
        method: "POST",
        url: "/rpc/v1/status",
        headers: { ...t.auth, "content-type": c.contentType ?? "application/json" },
        payload: c.payload,
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode < 400 || res.statusCode >= 500)
        failures.push(`${res.statusCode} ${c.name}: ${c.payload.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(500);
    expect(fingerprint(t.service)).toBe(before);
    // The generator must exercise more than one kind of refusal.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([400, 413, 415]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
