// The status page's chart: hosts by state over the last hours, as a stacked area in
// inline SVG drawn from the stored cycle counts (no script, no external asset).
import type { CycleCounts } from "../../domain/cycle";
import { html, type SafeHtml } from "./html";

const WIDTH = 720;
const HEIGHT = 160;
const PAD = { left: 36, right: 8, top: 8, bottom: 20 };

/** Bottom to top; unhealthy here excludes the remediating and failed hosts it counts. */
export const CHART_SERIES = [
  { key: "healthy", label: "healthy", colour: "#2e9d5b" },
  { key: "unhealthyOnly", label: "unhealthy", colour: "#e08a1e" },
  { key: "remediating", label: "remediating", colour: "#3b7dd8" },
  { key: "failed", label: "failed", colour: "#c8372d" },
] as const;

type SeriesKey = (typeof CHART_SERIES)[number]["key"];

function values(cycle: CycleCounts): Record<SeriesKey, number> {
  return {
    healthy: cycle.healthy,
    unhealthyOnly: Math.max(0, cycle.unhealthy - cycle.remediating - cycle.failed),
    remediating: cycle.remediating,
    failed: cycle.failed,
  };
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const dayClock = (ms: number) => new Date(ms).toISOString().slice(5, 16).replace("T", " ");

/** Points drawn at most: a week of minute cycles is 10,000, the chart is 720 wide. */
export const CHART_POINTS = 240;
/** The narrowest span drawn: a fleet a minute old still gets a chart, not a line. */
export const MIN_SPAN_MS = 10 * 60_000;

/**
 * The span the chart draws (`cycles` in time order): the window asked for, cut to where the data starts (a
 * service up for ten minutes is not drawn as a sliver at the right of six hours), and
 * never narrower than MIN_SPAN_MS.
 */
export function chartSpan(
  cycles: readonly CycleCounts[],
  now: number,
  hours: number,
): { from: number; to: number } {
  const windowFrom = now - hours * 3_600_000;
  const first = cycles[0]?.finishedAt ?? now;
  const from = Math.max(windowFrom, Math.min(first, now - MIN_SPAN_MS));
  return { from, to: now };
}

/**
 * At most CHART_POINTS cycles, one per equal slice of the span: the worst of each slice
 * (most unhealthy), so a short dip still shows in a week.
 */
export function downsample(
  cycles: readonly CycleCounts[],
  from: number,
  to: number,
): CycleCounts[] {
  const inSpan = cycles.filter((c) => c.finishedAt >= from && c.finishedAt <= to);
  if (inSpan.length <= CHART_POINTS) return inSpan;
  const slice = (to - from) / CHART_POINTS;
  const worst = new Map<number, CycleCounts>();
  for (const cycle of inSpan) {
    const bucket = Math.min(CHART_POINTS - 1, Math.floor((cycle.finishedAt - from) / slice));
    const kept = worst.get(bucket);
    if (kept === undefined || cycle.unhealthy > kept.unhealthy) worst.set(bucket, cycle);
  }
  return [...worst.keys()].sort((a, b) => a - b).map((b) => worst.get(b) as CycleCounts);
}

export function renderChart(stored: readonly CycleCounts[], now: number, hours: number): SafeHtml {
  // In time order: the store returns them in the order they were recorded.
  const all = [...stored].sort((a, b) => a.finishedAt - b.finishedAt);
  const { from } = chartSpan(all, now, hours);
  const cycles = downsample(all, from, now);
  const label = hours >= 24 ? dayClock : clock;
  const legend = CHART_SERIES.map(
    (s) => html`<span class="key"><i style="background:${s.colour}"></i>${s.label}</span>`,
  );
  if (cycles.length === 0) {
    return html`<p class="muted" data-chart-empty>
      No health-check cycle in the last ${hours} hour${hours === 1 ? "" : "s"} yet.
    </p>`;
  }
  const maxTotal = Math.max(1, ...cycles.map((c) => c.total));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((Math.max(t, from) - from) / (now - from)) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / maxTotal) * plotH;
  // One cycle alone would be a zero-width area: give it a step of its own width.
  const points = cycles.length === 1 ? [cycles[0], cycles[0]] : cycles;
  const xs =
    cycles.length === 1
      ? [x((cycles[0] as CycleCounts).finishedAt) - 2, x((cycles[0] as CycleCounts).finishedAt)]
      : cycles.map((c) => x(c.finishedAt));
  const base = points.map(() => 0);
  const areas = CHART_SERIES.map((series) => {
    const lower = [...base];
    points.forEach(
      (c, i) => (base[i] = (base[i] as number) + values(c as CycleCounts)[series.key]),
    );
    const top = points.map((_, i) => `${xs[i]?.toFixed(1)},${y(base[i] as number).toFixed(1)}`);
    const bottom = points
      .map((_, i) => `${xs[i]?.toFixed(1)},${y(lower[i] as number).toFixed(1)}`)
      .reverse();
    return html`<polygon
      fill="${series.colour}"
      points="${[...top, ...bottom].join(" ")}"
    ></polygon>`;
  });
  return html`<svg
      class="chart"
      viewBox="0 0 ${WIDTH} ${HEIGHT}"
      role="img"
      aria-label="Hosts by state from ${label(from)} to ${label(now)} UTC"
      data-from="${from}"
      data-to="${now}"
      data-points="${cycles.length}"
    >
      <line
        x1="${PAD.left}"
        y1="${y(0)}"
        x2="${WIDTH - PAD.right}"
        y2="${y(0)}"
        class="axis"
      ></line>
      <line
        x1="${PAD.left}"
        y1="${y(maxTotal)}"
        x2="${WIDTH - PAD.right}"
        y2="${y(maxTotal)}"
        class="grid"
      ></line>
      ${areas}
      <text x="${PAD.left - 4}" y="${y(maxTotal) + 4}" text-anchor="end">${maxTotal}</text>
      <text x="${PAD.left - 4}" y="${y(0)}" text-anchor="end">0</text>
      <text x="${PAD.left}" y="${HEIGHT - 4}">${label(from)} UTC</text>
      <text x="${WIDTH - PAD.right}" y="${HEIGHT - 4}" text-anchor="end">${label(now)} UTC</text>
    </svg>
    <div class="legend">${legend}</div>`;
}
