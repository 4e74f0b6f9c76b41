// The status page's stylesheet, inlined in every page: the page must work in a closed
// network, so nothing is fetched from anywhere, not even from this service.
export const STYLES = `
:root { color-scheme: light; --fg: #1d2433; --muted: #667085; --line: #d9dee8; --bg: #f6f7fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 24px; background: #1d2433;
  color: #fff; }
header h1 { font-size: 18px; margin: 0; }
header .muted { color: #b9c0cf; }
header form { margin-left: auto; }
main { padding: 16px 24px; max-width: 1400px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px;
  margin-bottom: 16px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 8px; }
.card { display: block; min-width: 110px; padding: 8px 12px; border: 1px solid var(--line);
  border-radius: 6px; color: inherit; text-decoration: none; }
.card b { display: block; font-size: 22px; }
.card.active { outline: 2px solid #3b7dd8; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 24px; margin-top: 10px; }
.frozen { border: 2px solid #1f5fa8; background: #eaf2fb; padding: 8px 12px; border-radius: 6px; }
.guard-open { color: #fff; background: #c8372d; padding: 1px 8px; border-radius: 4px; }
.guard-closed { color: #2e9d5b; }
.chart { width: 100%; max-width: 720px; height: auto; display: block; }
.chart text { font-size: 10px; fill: var(--muted); }
.chart .axis { stroke: #98a2b3; } .chart .grid { stroke: #eaecf0; stroke-dasharray: 3 3; }
.legend { display: flex; gap: 16px; font-size: 12px; margin-top: 4px; }
.key i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th a { color: inherit; text-decoration: none; } th a:hover { text-decoration: underline; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.state { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px;
  background: #eaecf0; }
.state-running { background: #d3f0df; } .state-starting, .state-client-exited { background: #e8eefb; }
.state-unhealthy { background: #fde7c8; } .state-remediating { background: #d6e4fb; }
.state-failed { background: #f9d3d0; } .state-out-of-service { background: #eaecf0; }
.history { margin: 0; padding: 0; list-style: none; font-size: 12px; }
.history .error { color: #c8372d; }
.login { max-width: 380px; margin: 10vh auto; }
.login input { width: 100%; padding: 8px; margin: 8px 0; font: inherit; }
.login button, header button { padding: 6px 14px; font: inherit; cursor: pointer; }
.notice { color: #c8372d; }
.pager { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: baseline; margin: 8px 0; }
.scroll { overflow-x: auto; max-width: 100%; }
header h1 a { color: inherit; text-decoration: none; }
.state-replaced { background: #e4e0f2; } .state-reclaiming { background: #fbe3f1; }
.state-reclaimed { background: #efd2e3; } .state-saturated { background: #fff1b8; }
.alert { border: 2px solid #c8372d; }
.section { display: block; background: #fff; border: 1px solid var(--line); border-radius: 6px;
  padding: 12px 16px; margin-bottom: 16px; }
.section > summary { cursor: pointer; }
.holds { display: flex; flex-wrap: wrap; gap: 12px 24px; margin-top: 10px; }
.hold { display: flex; flex-direction: column; gap: 4px; min-width: 0; flex: 1 1 220px;
  max-width: 360px; }
.hold input, .hold button, .filters input, .filters select, .filters button { font: inherit;
  padding: 4px 8px; max-width: 100%; }
.filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: end; margin: 8px 0; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
/* The grid: a tile per host; the title shows on hover, the same text beside a focused tile. */
.group { margin: 6px 0; } .group > summary { cursor: pointer; }
.group > summary a { font-weight: 600; color: inherit; }
.tally { font-size: 12px; padding: 0 6px; border-radius: 8px; margin-left: 4px; }
.tiles { display: flex; flex-wrap: wrap; gap: 2px; margin: 6px 0; }
.t { display: block; width: 12px; height: 12px; border-radius: 2px; position: relative;
  background: #d0d5dd; }
.t.sat { box-shadow: inset 0 0 0 2px #f2c200; }
.t:hover, .t:focus { outline: 2px solid #1d2433; outline-offset: 1px; z-index: 1; }
.t:focus::after { content: attr(title); position: absolute; left: 0; top: 16px; z-index: 2;
  width: max-content; max-width: min(320px, 80vw); padding: 4px 8px; border-radius: 4px;
  background: #1d2433; color: #fff; font-size: 12px; white-space: normal; }
.s-running { background: #2e9d5b; } .s-starting { background: #8fb5ea; }
.s-client-exited { background: #b4c6ef; } .s-unhealthy { background: #e08a1e; }
.s-remediating { background: #3b7dd8; } .s-failed { background: #c8372d; }
.s-out-of-service { background: #98a2b3; } .s-reclaiming { background: #d444a0; }
.s-reclaimed { background: #7a2a5c; }
.key i.sat { background: #fff; box-shadow: inset 0 0 0 2px #f2c200; }
.tally.s-running, .tally.s-failed, .tally.s-remediating, .tally.s-reclaimed,
.tally.s-reclaiming, .tally.s-out-of-service { color: #fff; }
.legend { flex-wrap: wrap; }
/* The rollout: done, rolling and outdated side by side, the floor kept in service marked. */
.bar { position: relative; display: flex; height: 18px; border-radius: 4px; overflow: hidden;
  background: #eaecf0; }
.bar-done { background: #2e9d5b; } .bar-rolling { background: #3b7dd8; }
.bar-outdated { background: #e08a1e; }
.bar-floor { position: absolute; top: 0; bottom: 0; width: 2px; margin-left: -1px;
  background: #1d2433; }
.key i.bar-floor-key { background: #1d2433; width: 2px; }
.chain { margin: 8px 0 0; padding-left: 18px; }
/* Jobs: a bar per job like the rollout's, each host's result with its data folded away. */
.jb-success { background: #2e9d5b; } .jb-failed { background: #c8372d; }
.jb-revoked { background: #98a2b3; } .jb-running { background: #3b7dd8; }
.jb-waiting { background: #d0d5dd; }
td.progress { min-width: 140px; } td.progress .bar { height: 10px; margin: 4px 0; }
td.reason, td.message { max-width: 28em; overflow-wrap: anywhere; }
#results tr.error td:first-child { box-shadow: inset 3px 0 0 #c8372d; }
#results td[data-retcode], #results td.message { min-width: 12em; }
#results td:first-child { min-width: 9em; max-width: 16em; overflow-wrap: anywhere; }
pre.data { margin: 4px 0 0; max-height: 16em; width: min(60ch, 75vw); overflow: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; background: var(--bg);
  padding: 4px 6px; }
.task-state { font-size: 12px; }
.facts-table th { width: 12em; color: var(--muted); font-weight: normal; }
@media (max-width: 640px) {
  header { flex-wrap: wrap; gap: 4px 12px; padding: 10px 12px; }
  header form { margin-left: 0; }
  main { padding: 10px 8px; }
  section, .section { padding: 10px; }
  .card { min-width: 0; flex: 1 1 30%; padding: 6px 8px; }
  .card b { font-size: 18px; }
  .t { width: 16px; height: 16px; }
  .facts { gap: 4px 12px; }
  th, td { padding: 4px 6px; }
  code { word-break: break-all; }
}
`;
