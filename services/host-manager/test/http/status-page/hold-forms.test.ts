// The freeze and rollout forms on the status page: shown to the operator role only,
// posted with the session cookie from the page itself they freeze, unfreeze, pause and
// resume as the API does, audited under the operator's name; a viewer, the fleet token
// and a post from another site are refused and change nothing.
import type { SimulatedCloud } from "../../../src/adapters/cloud/simulated";
import { HoldStore } from "../../../src/adapters/storage/holds";
import { OPERATOR, VIEWER } from "../../support/fixtures";
import { reportHosts } from "../../support/fleet";
import { FORM, pageForms, SAME_ORIGIN } from "../../support/page-forms";
import { startTestService, type TestService } from "../../support/service";

describe("status page freeze and rollout forms", () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService();
  });
  afterEach(() => t.close());
  const holds = () => new HoldStore(t.service.db);

  const signIn = (who: { name: string; token: string }) => pageForms(t).signIn(who);
  const post = (url: string, form: Record<string, string>, headers: Record<string, string>) =>
    pageForms(t).post(url, form, headers);
  const page = async (headers: Record<string, string>) =>
    (await t.service.app.inject({ method: "GET", url: "/", headers })).body;

  it("shows the forms to operators only", async () => {
    expect(await page(t.operator)).toMatch(/<form method="post" action="\/freeze"/);
    expect(await page(await signIn(OPERATOR))).toContain('action="/rollout/pause"');
    const viewer = await page(await signIn(VIEWER));
    expect(viewer).not.toContain('action="/freeze"');
    expect(viewer).not.toContain('id="holds"');
    expect(await page(t.viewer)).not.toContain('action="/freeze"');
  });

  it("freezes the fleet from the form, shows the banner and audits who, what and why", async () => {
    const session = await signIn(OPERATOR);
    const res = await post(
      "/freeze",
      { minutes: "90", reason: "benchmark run 42" },
      { ...SAME_ORIGIN, ...session },
    );
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/#holds");
    const freeze = holds().freeze();
    expect(freeze).toMatchObject({ by: OPERATOR.name, reason: "benchmark run 42" });
    expect(freeze?.endsAt).toBe(t.clock.now() + 90 * 60_000);
    const shown = await page(session);
    expect(shown).toContain('data-frozen="true"');
    expect(shown).toContain('action="/unfreeze"');
    expect(t.service.audit.newest(1)[0]).toMatchObject({
      who: OPERATOR.name,
      action: "freeze",
      target: new Date(t.clock.now() + 90 * 60_000).toISOString(),
      reason: "benchmark run 42",
      outcome: "frozen",
    });
    expect(shown).toMatch(/<td>ops<\/td>\s*<td>freeze<\/td>/);

    // Host 10 never reports: past the startup timeout a cycle would reboot it. Frozen
    // from the form, the cycle starts nothing and lists what it held.
    t.clock.advanceMinutes(60);
    await reportHosts(
      t,
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ({ n, status: 2 })),
    );
    await t.service.healthCheck.run();
    expect((t.cloud as SimulatedCloud).events).toEqual([]);
    expect(await page(session)).toMatch(/<li data-held="i-sim-0010">/);

    const unfreeze = await post(
      "/unfreeze",
      { reason: "run done" },
      { ...SAME_ORIGIN, ...session },
    );
    expect(unfreeze.statusCode).toBe(303);
    expect(holds().freeze()).toBeNull();
    expect(t.service.audit.newest(1)[0]).toMatchObject({ action: "unfreeze", outcome: "unfrozen" });
    expect(await page(session)).not.toContain('data-frozen="true"');
  });

  it("pauses and resumes the rollout, also with an operator's bearer token", async () => {
    const res = await post("/rollout/pause", { reason: "bad image?" }, { ...FORM, ...t.operator });
    expect(res.statusCode).toBe(303);
    expect(await page(t.operator)).toContain('data-rollout-paused="true"');
    expect(await page(t.operator)).toContain('action="/rollout/resume"');
    await post("/rollout/resume", { reason: "image fine" }, { ...FORM, ...t.operator });
    expect(t.service.audit.newest(2).map((e) => [e.action, e.outcome])).toEqual([
      ["rollout-resume", "resumed"],
      ["rollout-pause", "paused"],
    ]);
  });

  it("refuses a viewer, the fleet token, a missing reason and a post from another site", async () => {
    const form = { minutes: "30", reason: "x" };
    const session = await pageForms(t).expectRefusedButToOperators("/freeze", form);
    const noReason = await post(
      "/freeze",
      { minutes: "30", reason: " " },
      { ...SAME_ORIGIN, ...session },
    );
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain("reason");
    const tooLong = await post(
      "/freeze",
      { minutes: "999999", reason: "x" },
      { ...SAME_ORIGIN, ...session },
    );
    expect(tooLong.statusCode).toBe(400);
    expect(holds().freeze()).toBeNull();
    expect(t.service.audit.newest(10).filter((e) => e.action === "freeze")).toEqual([]);
  });
});
