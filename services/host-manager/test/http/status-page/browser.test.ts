// The status page in a real browser: Debian's headless Chromium, driven by
// playwright-core, signs in through the form, reads the counts, filters and sorts the
// table, and leaves a screenshot in test-output/ for people to look at; then a fleet of
// 1,000 simulated hosts at desktop and phone widths (screenshots of both), frozen from
// the page's own form, and a job's page at phone width, revoked from its form.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { SimulatedCloud, simInstanceId, simPrivateIp } from "../../../src/adapters/cloud/simulated";
import { JobHosts } from "../../jobs/job-hosts";
import { OPERATOR, quietCycle, TOKEN, VIEWER } from "../../support/fixtures";
import { seedMixedFleet } from "../../support/fleet";
import { startTestService, type TestService } from "../../support/service";

const CHROMIUM = "/usr/bin/chromium";
const OUTPUT_DIR = join(__dirname, "..", "..", "..", "test-output");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const HISTORY_CYCLE = quietCycle(10);

describe("status page in Chromium", () => {
  let t: TestService;
  let context: BrowserContext | undefined;
  let profile: string;
  let url: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      // Fail, never skip: a skipped browser test would let a broken page through CI.
      throw new Error(
        `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); .ci/run does`,
      );
    }
    t = await startTestService();
    url = await t.service.listen("127.0.0.1");
    // Five hours of earlier cycles, so the chart has a history to draw (with a dip), then
    // the mixed fleet itself at the end.
    for (let minutes = -300; minutes <= 20; minutes += 5) {
      const dip = minutes >= -150 && minutes < -120;
      const at = t.clock.now() + minutes * 60_000;
      t.service.cycles.add({
        ...HISTORY_CYCLE,
        startedAt: at,
        finishedAt: at,
        healthy: dip ? 7 : 10,
        unhealthy: dip ? 3 : 0,
        remediating: dip ? 2 : 0,
      });
    }
    await seedMixedFleet(t);
    profile = mkdtempSync(join(tmpdir(), "hm-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    await t?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("signs in, shows the seeded fleet, filters and sorts", async () => {
    const page = await (context as BrowserContext).newPage();
    await page.goto(url);
    expect(new URL(page.url()).pathname).toBe("/login");

    await page.fill("#name", VIEWER.name);
    await page.fill("#token", TOKEN);
    await Promise.all([page.waitForURL(/\/login\?error=1$/), page.click("button[type=submit]")]);
    expect(await page.textContent("[role=alert]")).toContain("do not match a live operator");

    await page.fill("#name", VIEWER.name);
    await page.fill("#token", VIEWER.token);
    await Promise.all([page.waitForURL(/\/\?signedIn=\d+$/), page.click("button[type=submit]")]);
    const cookies = await (context as BrowserContext).cookies();
    expect(cookies.find((c) => c.name === "hm_session")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
      secure: true,
    });

    const count = async (state: string) =>
      Number(await page.textContent(`.card[data-state="${state}"] [data-count]`));
    expect(await count("all")).toBe(10);
    expect(await count("running")).toBe(5);
    expect(await count("remediating")).toBe(4);
    expect(await count("client-exited")).toBe(1);
    expect(await page.locator("#hosts tbody tr").count()).toBe(10);
    expect(await page.locator("svg.chart polygon").count()).toBeGreaterThan(0);

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_DIR, "status-page.png"), fullPage: true });

    await Promise.all([
      page.waitForURL(/state=remediating/),
      page.click('.card[data-state="remediating"]'),
    ]);
    const rows = page.locator("#hosts tbody tr");
    expect(await rows.count()).toBe(4);
    const states = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-state")));
    expect(states).toEqual(Array(4).fill("remediating"));

    await Promise.all([page.waitForURL(/sort=ip/), page.click('a[data-sort="ip"]')]);
    await Promise.all([page.waitForURL(/dir=desc/), page.click('a[data-sort="ip"]')]);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-instance")));
    expect(ids).toEqual([10, 9, 8, 7].map(simInstanceId));

    await Promise.all([page.waitForURL(/\/login$/), page.click("header button[type=submit]")]);
  });
});

const BIG_FLEET = 1_000;

describe("status page in Chromium at 1,000 hosts", () => {
  let t: TestService;
  let context: BrowserContext | undefined;
  let profile: string;
  let url: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (see above)`);
    t = await startTestService({
      cloud: (clock) =>
        new SimulatedCloud(BIG_FLEET, clock, { initialGeneration: "g1", launchGeneration: "g2" }),
    });
    url = await t.service.listen("127.0.0.1");
    // Most run; every 50th restarts its client; the last 30 never report (starting).
    t.service.store.applyReports(
      Array.from({ length: BIG_FLEET - 30 }, (_, i) => ({
        instanceId: simInstanceId(i + 1),
        privateIp: simPrivateIp(i + 1),
        mac: "00:16:3e:00:00:01",
        status: (i + 1) % 50 === 0 ? 3 : 2,
        logicalCpus: 16,
        physicalCpus: 8,
        clientVersion: "1.2.3",
        hostname: `hpc-${String(i + 1).padStart(4, "0")}`,
      })),
      t.clock.now(),
    );
    for (let minutes = -55; minutes <= 0; minutes += 5) {
      const at = t.clock.now() + minutes * 60_000;
      t.service.cycles.add({
        ...HISTORY_CYCLE,
        startedAt: at,
        finishedAt: at,
        total: BIG_FLEET,
        healthy: minutes === -30 ? 940 : 970,
        unhealthy: minutes === -30 ? 60 : 30,
      });
    }
    profile = mkdtempSync(join(tmpdir(), "hm-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    await t?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("shows a tile per host at desktop and phone widths, freezes from its form", async () => {
    const page = await (context as BrowserContext).newPage();
    await page.goto(url);
    await page.fill("#name", OPERATOR.name);
    await page.fill("#token", OPERATOR.token);
    await Promise.all([page.waitForURL(/\/\?signedIn=\d+$/), page.click("button[type=submit]")]);

    expect(await page.locator("#grid a.t").count()).toBe(BIG_FLEET);
    expect(await page.locator("#grid a.t.s-running").count()).toBe(BIG_FLEET - 30 - 19);
    expect(await page.locator("#hosts tbody tr").count()).toBe(100);
    expect(await page.locator("svg.chart polygon").count()).toBeGreaterThan(0);
    // A focused tile (keyboard, or a tap that focuses) shows what it is without a script.
    const tile = page.locator(`#grid a.t[href="/host?id=${simInstanceId(50)}"]`);
    await tile.focus();
    const tip = String(
      await page.evaluate(
        `getComputedStyle(document.querySelector('#grid a.t[href="/host?id=${simInstanceId(50)}"]'), "::after").content`,
      ),
    );
    expect(tip).toContain(simInstanceId(50));
    expect(tip).toContain("client-exited");

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await page.screenshot({
      path: join(OUTPUT_DIR, "status-page-1000-desktop.png"),
      fullPage: true,
    });

    // The grid by generation, then the form: a freeze with a reason, posted from the page.
    await Promise.all([
      page.waitForURL(/group=generation/),
      page.click('a[data-grouping-link="generation"]'),
    ]);
    expect(await page.locator("#grid details.group").count()).toBe(1);
    await page.click("#holds > summary");
    await page.fill("#freeze-minutes", "45");
    await page.fill("#freeze-reason", "benchmark from the browser");
    await Promise.all([page.waitForURL(/#holds$/), page.click('form[data-form="freeze"] button')]);
    expect(await page.textContent("[data-frozen=true] h2")).toContain("Fleet frozen until");
    expect(await page.textContent("#audit tbody tr:first-child")).toContain(
      "benchmark from the browser",
    );

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url);
    const overflow = (await page.evaluate(
      "({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })",
    )) as { scroll: number; client: number };
    expect(overflow.client).toBe(390);
    expect(overflow.scroll).toBeLessThanOrEqual(overflow.client);
    expect(await page.locator("#grid a.t").count()).toBe(BIG_FLEET);
    await page.screenshot({ path: join(OUTPUT_DIR, "status-page-1000-phone.png"), fullPage: true });
    // What a phone shows first, at its own size.
    await page.screenshot({ path: join(OUTPUT_DIR, "status-page-1000-phone-top.png") });

    // A host's own page fits the phone too.
    await Promise.all([page.waitForURL(/\/host\?id=/), tile.click()]);
    expect(await page.textContent("#host h2")).toContain(simInstanceId(50));
    const hostOverflow = Number(
      await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      ),
    );
    expect(hostOverflow).toBeLessThanOrEqual(0);

    // A job (run during the freeze) with a long unbroken line of data and a long id: the
    // Jobs section links to its page, which fits the phone, and revokes from its form.
    const longId = `i-gone-${"x".repeat(100)}`;
    const submitted = await fetch(`${url}/api/v1/jobs`, {
      method: "POST",
      headers: { ...t.operator, "content-type": "application/json" },
      body: JSON.stringify({
        action: "collect-logs",
        hosts: { ids: [simInstanceId(1), simInstanceId(2), longId] },
        reason: "logs for the slow run",
        runDuringFreeze: true,
        concurrency: 1,
        maxAttempts: 1,
      }),
    });
    expect(submitted.status).toBe(201);
    const jobId = ((await submitted.json()) as { id: string }).id;
    const hosts = new JobHosts(url);
    const offer = await hosts.next(simInstanceId(1));
    const version = await hosts.accept(simInstanceId(1), offer!);
    const data = `${"0123456789".repeat(300)}\n`;
    await hosts.result(simInstanceId(1), offer!.taskId, version!, {
      resp: "success",
      message: `collected ${"y".repeat(200)}`,
      data,
    });
    await page.goto(url);
    await Promise.all([
      page.waitForURL(/\/job\?id=/),
      page.click(`#jobs a[href="/job?id=${jobId}"]`),
    ]);
    expect(await page.locator("#results tbody tr").count()).toBe(3);
    await page.click(`#results tr[data-host="${simInstanceId(1)}"] details summary`);
    const jobOverflow = (await page.evaluate(
      "({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })",
    )) as { scroll: number; client: number };
    expect(jobOverflow.client).toBe(390);
    expect(jobOverflow.scroll).toBeLessThanOrEqual(jobOverflow.client);
    await page.screenshot({ path: join(OUTPUT_DIR, "job-page-phone.png"), fullPage: true });

    await page.fill("#revoke-reason", "wrong hosts");
    await Promise.all([
      page.waitForURL(new RegExp(`/job\\?id=${jobId}$`)),
      page.click('form[data-form="job-revoke"] button'),
    ]);
    expect(await page.textContent(`#results tr[data-host="${simInstanceId(2)}"]`)).toContain(
      "revoked by an operator before it started",
    );
    expect(await page.locator('form[data-form="job-revoke"]').count()).toBe(0);
  });
});
