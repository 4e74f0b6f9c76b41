// The ladder acts only on certainty, on the real driver against a fake ECS that refuses
// reboots: a refusal that says the host cannot be rebooted (Stopped, locked for security)
// goes straight to a replace; errors that say nothing about the host (permissions, the
// signature, the request's time, a gateway's HTML page) do nothing and alert; a host
// already restarting (a reboot under way, perhaps our own with its answer lost) counts as
// rebooted and is not replaced a second later; a reboot whose answer was lost is not resent.
import { Writable } from "node:stream";
import pino from "pino";
import type { FakeInstance } from "../support/fake-alicloud";
import { fakeCloudHarness, type FakeCloudHarness } from "../support/health-check";

let t: FakeCloudHarness | undefined;
afterEach(async () => {
  await t?.shutdown();
  t = undefined;
});

/** Five hosts, the first of which never reports, up to the cycle that reboots it. */
async function upToTheReboot(options: { readTimeoutMs?: number } = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "warn" },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const h = await fakeCloudHarness({ hosts: 5, deps: { logger }, ...options });
  t = h;
  await h.check.run();
  const broken = h.store.listActive()[0]?.instanceId as string;
  const others = h.store
    .listActive()
    .slice(1)
    .map((host) => host.instanceId);
  h.heartbeat(others);
  h.clock.advanceMinutes(21);
  h.heartbeat(others);
  return { h, broken, lines, instance: h.fake.instances.get(broken) as FakeInstance };
}

describe("a reboot ECS refuses", () => {
  it.each([
    ["a RAM denial", "Forbidden.RAM", 403],
    ["a signature refused", "SignatureDoesNotMatch", 400],
    ["the request's time refused", "InvalidTimeStamp.Expired", 400],
    ["an unknown access key", "InvalidAccessKeyId.NotFound", 404],
  ])("with %s does nothing to the host and alerts", async (_name, code, status) => {
    const { h, broken, lines } = await upToTheReboot();
    h.fake.faults.push({ action: "RebootInstance", kind: "refuse", code, status, times: 1 });
    const summary = await h.check.run();
    expect(summary.actions).toEqual([
      expect.objectContaining({ instanceId: broken, action: "reboot", outcome: "error" }),
    ]);
    expect(summary.actions[0]?.error).toContain(code);
    expect(h.fake.replaced).toEqual([]);
    expect(h.store.get(broken)).toMatchObject({ remediationState: "none", remediationAttempts: 0 });
    expect(lines).toContainEqual(expect.objectContaining({ instanceId: broken, alert: true }));
  });

  it("with a gateway's HTML 503 does nothing to the host and alerts", async () => {
    const { h, broken, lines } = await upToTheReboot();
    h.fake.faults.push({ action: "RebootInstance", kind: "gateway-html", times: 10 });
    const summary = await h.check.run();
    expect(summary.actions).toEqual([
      expect.objectContaining({ instanceId: broken, action: "reboot", outcome: "error" }),
    ]);
    expect(summary.actions[0]?.error).toMatch(/not an API answer/);
    expect(h.fake.replaced).toEqual([]);
    expect(h.fake.reboots).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ instanceId: broken, alert: true }));
  });

  it.each([
    ["Stopped", (i: FakeInstance) => (i.status = "Stopped"), "IncorrectInstanceStatus"],
    ["locked for security", undefined, "InstanceLockedForSecurity"],
  ] as const)("because the host is %s goes straight to a replace", async (_name, set, code) => {
    const { h, broken, instance } = await upToTheReboot();
    if (set) set(instance);
    else
      h.fake.faults.push({ action: "RebootInstance", kind: "refuse", code, status: 403, times: 1 });
    const summary = await h.check.run();
    expect(summary.actions).toEqual([
      expect.objectContaining({
        instanceId: broken,
        action: "replace",
        outcome: "ok",
        detail: expect.stringContaining(code),
      }),
    ]);
    expect(h.fake.replaced.map((r) => r.instanceId)).toEqual([broken]);
  });

  it("because the host is already restarting counts as the reboot, and nothing is replaced", async () => {
    const { h, broken, instance } = await upToTheReboot();
    // Someone (or our own earlier call, its answer lost) rebooted it a moment ago.
    instance.startingUntil = h.clock.now() + 60_000;
    const summary = await h.check.run();
    expect(summary.actions).toEqual([
      expect.objectContaining({
        instanceId: broken,
        action: "reboot",
        outcome: "ok",
        detail: expect.stringMatching(/already restarting.*Starting/),
      }),
    ]);
    expect(h.fake.replaced).toEqual([]);
    expect(h.store.get(broken)).toMatchObject({
      remediationState: "rebooting",
      remediationAttempts: 1,
    });
  });

  it("whose answer was lost is neither resent nor replaced", async () => {
    const { h, broken } = await upToTheReboot({ readTimeoutMs: 300 });
    // ECS reboots it and the answer never arrives: RebootInstance is not sent again (a
    // resent one would find it Starting), and the reboot counts as made.
    h.fake.faults.push({ action: "RebootInstance", kind: "lost-answer", times: 1 });
    const summary = await h.check.run();
    expect(h.fake.reboots).toEqual([broken]);
    expect(h.fake.callsOf("RebootInstance")).toHaveLength(1);
    expect(h.fake.replaced).toEqual([]);
    expect(summary.actions).toEqual([
      expect.objectContaining({ action: "reboot", outcome: "unknown" }),
    ]);
  });
});
