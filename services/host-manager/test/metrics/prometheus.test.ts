// /metrics for Prometheus: behind the bearer token, the fleet's and the last cycle's
// figures, remediations by action and outcome, and HTTP requests by route pattern; names
// as https://prometheus.io/docs/practices/naming/ asks, counters from 0, a build_info.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { simInstanceId } from "../../src/adapters/cloud/simulated";
import {
  ACTION_OUTCOMES,
  RATE_LIMITS,
  REMEDIATION_ACTIONS,
  STATUSPAGE_OUTCOMES,
  STATUSPAGE_REQUESTS,
} from "../../src/metrics/prometheus";
import { seedMixedFleet } from "../support/fleet";
import { startTestService, type TestService } from "../support/service";

/** The value of one sample line, e.g. `host_manager_hosts{state="running"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  let t: TestService;
  beforeEach(async () => {
    t = await startTestService({ service: { defaultMetrics: true } });
  });
  afterEach(() => t.close());

  const scrape = async () => {
    const res = await t.service.app.inject({ method: "GET", url: "/metrics", headers: t.viewer });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  it("needs the bearer token, like every scrape of the API", async () => {
    const res = await t.service.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(401);
  });

  it("exports the fleet by state, the last cycle's figures and the remediations", async () => {
    await seedMixedFleet(t);
    const text = await scrape();
    expect(sample(text, 'host_manager_hosts{state="running"}')).toBe(5);
    expect(sample(text, 'host_manager_hosts{state="remediating"}')).toBe(4);
    expect(sample(text, 'host_manager_hosts{state="client-exited"}')).toBe(1);
    expect(sample(text, 'host_manager_hosts{state="failed"}')).toBe(0);
    // The parts only: no "all" series beside them, so sum() is every active host.
    expect(text).not.toMatch(/^host_manager_hosts\{state="(all|total)"\}/m);
    const states = text.match(/^host_manager_hosts\{state="[^"]+"\} \d+$/gm) ?? [];
    expect(states.reduce((n, line) => n + Number(line.split(" ")[1]), 0)).toBe(10);
    // Unhealthy is the one definition: the remediating hosts count.
    expect(sample(text, 'host_manager_judged_hosts{health="unhealthy"}')).toBe(4);
    expect(sample(text, 'host_manager_judged_hosts{health="healthy"}')).toBe(6);
    expect(sample(text, "host_manager_cycle_judged_hosts")).toBe(10);
    expect(sample(text, "host_manager_cycle_unhealthy_hosts")).toBe(4);
    expect(sample(text, "host_manager_storm_guard_max_unhealthy_hosts")).toBe(4);
    expect(sample(text, "host_manager_rollout_outdated_hosts")).toBe(0);
    expect(sample(text, 'host_manager_remediations_total{action="reboot",outcome="ok"}')).toBe(4);
    expect(sample(text, "host_manager_storm_guard_open")).toBe(0);
    expect(sample(text, "host_manager_cycle_duration_seconds_count")).toBe(1);
    const finishedAt = t.service.cycles.latest(1)[0]?.finishedAt as number;
    expect(sample(text, "host_manager_last_cycle_timestamp_seconds")).toBe(
      Math.floor(finishedAt / 1000),
    );
    // The live gauge follows reports between cycles.
    await t.service.app.inject({
      method: "POST",
      url: "/rpc/v1/status",
      headers: t.auth,
      payload: {
        instanceId: simInstanceId(6),
        privateIp: "10.0.0.10",
        mac: "00:16:3e:00:00:06",
        status: 2,
        logicalCpus: 4,
        physicalCpus: 2,
      },
    });
    expect(sample(await scrape(), 'host_manager_hosts{state="running"}')).toBe(6);
  });

  it("counts requests and their latency by route pattern and status, and has process metrics", async () => {
    await seedMixedFleet(t);
    await t.service.app.inject({ method: "GET", url: "/no/such/path", headers: t.viewer });
    await t.service.app.inject({ method: "GET", url: "/api/v1/hosts" });
    const text = await scrape();
    expect(
      sample(
        text,
        'host_manager_http_requests_total{method="POST",route="/rpc/v1/status",status="200"}',
      ),
    ).toBe(13); // seedMixedFleet's reports: 5 + 1 + 7 (host 7's failure twice)
    expect(
      sample(
        text,
        'host_manager_http_requests_total{method="GET",route="/api/v1/hosts",status="401"}',
      ),
    ).toBe(1);
    expect(
      sample(text, 'host_manager_http_requests_total{method="GET",route="unmatched",status="404"}'),
    ).toBe(1);
    expect(
      sample(
        text,
        'host_manager_http_request_duration_seconds_count{method="POST",route="/rpc/v1/status"}',
      ),
    ).toBe(13);
    expect(text).toMatch(/^host_manager_http_request_duration_seconds_bucket\{le="0\.005"/m);
    // Unprefixed, as stock Node.js dashboards and alerts expect.
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).not.toContain("host_manager_process_");
    expect(text).not.toContain("host_manager_nodejs_");
  });

  it("serves build_info with the package's version", async () => {
    const { version } = JSON.parse(
      readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"),
    ) as { version: string };
    const text = await scrape();
    expect(
      sample(
        text,
        `host_manager_build_info{version="${version}",nodejs_version="${process.version}"}`,
      ),
    ).toBe(1);
  });

  it("starts every counter with known label values at 0, before any event", async () => {
    const text = await scrape();
    for (const action of REMEDIATION_ACTIONS) {
      for (const outcome of ACTION_OUTCOMES) {
        const series = `host_manager_remediations_total{action="${action}",outcome="${outcome}"}`;
        expect([series, sample(text, series)]).toEqual([series, 0]);
      }
    }
    for (const request of STATUSPAGE_REQUESTS) {
      for (const outcome of STATUSPAGE_OUTCOMES) {
        const series = `host_manager_statuspage_requests_total{request="${request}",outcome="${outcome}"}`;
        expect([series, sample(text, series)]).toEqual([series, 0]);
      }
    }
    for (const limit of RATE_LIMITS) {
      expect(sample(text, `host_manager_rate_limited_total{limit="${limit}"}`)).toBe(0);
    }
    expect(sample(text, 'host_manager_report_fields_dropped_total{field="hostname"}')).toBe(0);
    expect(sample(text, "host_manager_previous_token_requests_total")).toBe(0);
  });

  it("puts _total on counters only, and names every metric with its unit or kind", async () => {
    const text = await scrape();
    const types = new Map(
      [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    for (const [name, type] of types) {
      if (!name.startsWith("host_manager_")) continue;
      expect([name, name.endsWith("_total")]).toEqual([name, type === "counter"]);
    }
  });
});
