// The metric names a PromQL expression reads, for checking a dashboard against /metrics.
// Not a full parser, but it sees names where PromQL allows them: bare, before `{`,
// inside function calls and aggregations, beside binary operators, with the _bucket,
// _sum and _count of histograms; and it skips what only looks like one: function names,
// keywords, label names in by/without/on/ignoring/group_*(...), label matchers, range
// and subquery durations, strings, numbers, and Grafana's $variables.

/** PromQL's keywords and special values (https://prometheus.io/docs/prometheus/latest/querying/basics/). */
const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "atan2",
  "start",
  "end",
  "inf",
  "nan",
]);

export function metricNames(expr: string): string[] {
  const cleaned = expr
    // Strings first: a label value may hold any character, braces included.
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    // `{__name__="x"}` names a metric through a matcher: not supported, refuse loudly.
    .replace(/\{[^}]*\}/g, (matchers) => {
      if (/__name__/.test(matchers)) throw new Error(`__name__ matchers are not checked: ${expr}`);
      return " ";
    })
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, " ")
    .replace(/\$\{[^}]*\}|\$\w+/g, " ");
  const names = new Set<string>();
  for (const match of cleaned.matchAll(/(?<![\w:.])[a-zA-Z_:][\w:]*/g)) {
    const name = match[0];
    const after = cleaned.slice((match.index ?? 0) + name.length);
    if (/^\s*\(/.test(after)) continue; // a function or aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/**
 * The metric a Grafana Prometheus variable query reads: `label_values(metric, label)` and
 * `query_result(expr)` read one; `label_values(label)` and `label_names()` read none.
 */
export function variableMetricNames(query: string): string[] {
  const labelValues = /^\s*label_values\(\s*(.*?)\s*,\s*[\w]+\s*\)\s*$/.exec(query);
  if (labelValues) return metricNames(labelValues[1] as string);
  const result = /^\s*query_result\((.*)\)\s*$/.exec(query);
  if (result) return metricNames(result[1] as string);
  if (/^\s*(label_values\(\s*\w+\s*\)|label_names\(\s*\))\s*$/.test(query)) return [];
  return metricNames(query);
}
