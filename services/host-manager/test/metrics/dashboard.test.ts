// The Grafana dashboard in the repository (dashboards/host-manager.json) queries only
// metrics the service serves: every name in its PromQL, and in its variables, is in a
// scrape of a running service's /metrics, with a fleet, a cycle and reports behind it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { seedMixedFleet } from "../support/fleet";
import { metricNames, variableMetricNames } from "../support/promql-metrics";
import { startTestService, type TestService } from "../support/service";

const DASHBOARD = join(__dirname, "..", "..", "dashboards", "host-manager.json");

interface Panel {
  title?: string;
  type?: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;

/** Every panel, rows' own panels included. */
function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** `where → metric` for every metric the dashboard reads. */
function dashboardMetrics(): { where: string; metric: string }[] {
  const used: { where: string; metric: string }[] = [];
  for (const panel of allPanels(dashboard.panels)) {
    for (const target of panel.targets ?? []) {
      if (target.expr === undefined) continue;
      for (const metric of metricNames(target.expr)) {
        used.push({ where: `panel "${panel.title}"`, metric });
      }
    }
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type !== "query") continue;
    const q = variable.query;
    const text = typeof q === "string" ? q : (q as { query?: string } | undefined)?.query;
    for (const metric of variableMetricNames(text ?? "")) {
      used.push({ where: `variable $${variable.name}`, metric });
    }
  }
  return used;
}

/** The names of every sample in an exposition (histograms' _bucket, _sum, _count included). */
function servedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    names.add(/^[^{\s]+/.exec(line)?.[0] ?? "");
  }
  return names;
}

describe("PromQL metric names", () => {
  it.each([
    ["host_manager_hosts", ["host_manager_hosts"]],
    ['sum by (state) (host_manager_hosts{job=~"$job"})', ["host_manager_hosts"]],
    [
      'histogram_quantile(0.95, sum by (le) (rate(a_seconds_bucket{route="/x{y}"}[$__rate_interval])))',
      ["a_seconds_bucket"],
    ],
    ["rate(a_sum[5m]) / ignoring(le) rate(a_count[5m]) offset 1h", ["a_sum", "a_count"]],
    ["time() - max(last_seconds) > bool 1e3", ["last_seconds"]],
    ["a * on(instance) group_left(version) b_info", ["a", "b_info"]],
    ["max_over_time(up[1h:5m]) or vector(0)", ["up"]],
  ])("%s", (expr, expected) => {
    expect(metricNames(expr).sort()).toEqual([...expected].sort());
  });

  it("reads the metric of label_values(metric, label), and none of label_values(label)", () => {
    expect(variableMetricNames("label_values(host_manager_build_info, job)")).toEqual([
      "host_manager_build_info",
    ]);
    expect(variableMetricNames("label_values(job)")).toEqual([]);
  });
});

describe("the Grafana dashboard", () => {
  let t: TestService;
  beforeAll(async () => {
    // A fleet generation, so its info metric is served as on a real deployment.
    t = await startTestService({
      env: { HOST_MANAGER_FLEET_GENERATION: "a1a1a1a1a1a1a1a1" },
      service: { defaultMetrics: true },
    });
    // Hosts, a cycle and reports: the histograms have buckets only once observed.
    await seedMixedFleet(t);
  });
  afterAll(() => t.close());

  it("is a current Grafana's dashboard with a Prometheus data source to choose", () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const source = dashboard.templating.list.find((v) => v.type === "datasource");
    expect(source?.query).toBe("prometheus");
    // Every query goes to the chosen data source, not to one named at export time.
    for (const panel of allPanels(dashboard.panels).filter((p) => p.type !== "row")) {
      expect([panel.title, panel.datasource?.uid]).toEqual([panel.title, `\${${source?.name}}`]);
    }
  });

  it("queries only metrics the service serves", async () => {
    const res = await t.service.app.inject({ method: "GET", url: "/metrics", headers: t.viewer });
    expect(res.statusCode).toBe(200);
    const served = servedNames(res.body);
    const used = dashboardMetrics();
    expect(used.length).toBeGreaterThan(20);
    const missing = used.filter((u) => !served.has(u.metric));
    expect(missing).toEqual([]);
  });

  it("shows the figures operators asked for", () => {
    const metrics = new Set(dashboardMetrics().map((u) => u.metric));
    for (const metric of [
      "host_manager_hosts",
      "host_manager_judged_hosts",
      "host_manager_remediations_total",
      "host_manager_storm_guard_open",
      "host_manager_frozen",
      "host_manager_cycle_duration_seconds_bucket",
      "host_manager_http_requests_total",
      "host_manager_http_request_duration_seconds_bucket",
      "host_manager_build_info",
    ]) {
      expect([metric, metrics.has(metric)]).toEqual([metric, true]);
    }
  });
});
