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
.pager { display: flex; gap: 16px; align-items: baseline; margin: 8px 0; }
`;
