// Server-rendered HTML for the status page and its login form. No script at all: the
// sort, the pages, the grouping and the chart's window are links, the filters a GET
// form, the refresh a meta refresh that keeps them; the grid comes from ./grid.ts.
import { scrollTable } from "./table";
import type { AuditEntry } from "../../adapters/storage/audit";
import type { CycleSummary } from "../../domain/cycle";
import { FLEET_STATES } from "../../domain/fleet-state";
import type { HoldsView } from "../holds-view";
import { freezeBanner } from "./freeze-banner";
import { renderHoldForms } from "./freeze-form";
import { hostPath, tileState } from "./grid";
import { html, type SafeHtml } from "./html";
import { ago, iso, layout } from "./layout";
import {
  CHART_WINDOWS,
  EXTRA_FILTERS,
  PAGE_SIZES,
  type ChartWindow,
  type HostRow,
  type HostTable,
  type PageQuery,
  type SortKey,
} from "./model";
import { renderRolloutBar, rolloutProgress } from "./rollout-bar";
import { pageUrl } from "./urls";

export interface StatusPageView {
  readonly now: number;
  readonly table: HostTable;
  readonly query: PageQuery;
  readonly lastCycle: CycleSummary | undefined;
  readonly nextRunAt: Date | null;
  readonly schedule: string;
  readonly dryRun: boolean;
  /** The freeze and the rollout's pause in force; absent, no banner. */
  readonly holds?: HoldsView;
  /** The fleet grid, rendered once per snapshot and grouping. */
  readonly grid: SafeHtml;
  readonly chart: SafeHtml;
  readonly refreshSeconds: number;
  /** Signed in with the cookie (so a sign-out button makes sense), not a bearer header. */
  readonly cookieSession: boolean;
  /** The operator role: the freeze and rollout forms are shown. */
  readonly canAct: boolean;
  /** Hosts with each mark, and the archived hosts (the "replaced" filter). */
  readonly marks: Readonly<Record<(typeof EXTRA_FILTERS)[number], number>>;
  /** The zones and generations the fleet has, for the filter ("-": none). */
  readonly facets: { readonly zones: readonly string[]; readonly generations: readonly string[] };
  /** The newest operator actions, newest first. */
  readonly audit: readonly AuditEntry[];
  /** The Jobs section (./jobs-section.ts); absent, none. */
  readonly jobs?: SafeHtml;
}

/** Table columns, in display order; each header sorts by its column. */
const COLUMNS: readonly SortKey[] = ["instance", "ip", "state", "lastSeen", "cpus"];

const SORT_LABELS: Record<SortKey, string> = {
  instance: "Instance",
  ip: "Private IP",
  state: "State",
  lastSeen: "Last seen",
  cpus: "CPUs (logical / physical)",
};

function summary(view: StatusPageView): SafeHtml {
  const { counts } = view.table;
  const cards = [
    { state: "all" as const, label: "all hosts", count: counts.total },
    ...FLEET_STATES.map((state) => ({ state, label: state, count: counts[state] })),
    ...EXTRA_FILTERS.map((state) => ({ state, label: state, count: view.marks[state] })),
  ].map(
    (c) =>
      html`<a
        class="card${view.query.state === c.state ? " active" : ""}"
        data-state="${c.state}"
        href="${pageUrl(view.query, { state: c.state, page: 1 })}"
        ><b data-count>${c.count}</b>${c.label}</a
      >`,
  );
  const cycle = view.lastCycle;
  const guard = cycle?.stormGuardOpen
    ? html`<span class="guard-open" data-storm-guard="open"
        >storm guard OPEN: ${cycle.unhealthy} unhealthy, at most ${cycle.maxUnhealthy} allowed,
        remediating none</span
      >`
    : html`<span class="guard-closed" data-storm-guard="closed">storm guard closed</span>`;
  const facts = cycle
    ? html`<span data-last-cycle
        >Last health check: ${iso(cycle.finishedAt)} (${ago(cycle.finishedAt, view.now)}),
        ${cycle.total} judged, ${cycle.unhealthy}
        unhealthy,${
          cycle.rollout ? html` <span data-outdated>${cycle.outdated ?? 0} outdated</span>,` : null
        }
        ${cycle.actions.length} actions, ${cycle.recovered.length}
        recovered${cycle.error ? html`, <span class="notice">${cycle.error}</span>` : null}</span
      >`
    : html`<span data-last-cycle>No health check has run yet.</span>`;
  return html`<section>
    <h2>Fleet</h2>
    <div class="cards">${cards}</div>
    <div class="facts">
      ${facts} ${guard} ${replacements(cycle)}
      <span class="muted"
        >schedule
        <code>${view.schedule}</code
        >${view.nextRunAt ? html`, next ${iso(view.nextRunAt.getTime())}` : null}${view.dryRun ? ", dry run" : null}</span
      >
    </div>
  </section>`;
}

/** The ladder's replacement budget in its window, as the last cycle left it. */
function replacements(cycle: CycleSummary | undefined): SafeHtml | null {
  const r = cycle?.replacements;
  if (!r) return null;
  const minutes = Math.round(r.windowMs / 60_000);
  return html`<span data-replacements class="${r.used >= r.budget ? "notice" : ""}"
    >replacements: <b data-replacements-used>${r.used}</b> of
    <b data-replacements-budget>${r.budget}</b> in ${minutes}
    min${r.held > 0 ? html`, <span data-replacements-held>${r.held} held back</span>` : null}</span
  >`;
}

/** Slots the breaker gave up on in the last cycle: their new hosts never came up. */
function failedSlots(cycle: CycleSummary | undefined): SafeHtml | null {
  const slots = cycle?.failedSlots ?? [];
  if (slots.length === 0) return null;
  const shown = slots.slice(0, 50);
  const items = shown.map(
    (f) =>
      html`<li data-failed-slot="${f.slot}">
        slot <code>${f.slot}</code>, last host
        <a href="${hostPath(f.instanceId)}"><code>${f.instanceId}</code></a
        >, failed ${iso(f.failedAt)}: ${f.reason}
      </li>`,
  );
  return html`<section class="alert" id="failed-slots">
    <h2>Failed slots <span class="muted">${slots.length}, left alone until someone looks</span></h2>
    <ul>
      ${items}${slots.length > shown.length ? html`<li class="muted">and ${slots.length - shown.length} more (see /api/v1/health-check)</li>` : null}
    </ul>
  </section>`;
}

function historyList(row: HostRow): SafeHtml {
  if (row.history.length === 0) return html`<span class="muted">none</span>`;
  const items = row.history.map(
    (e) =>
      html`<li class="${e.outcome === "error" ? "error" : ""}">
        ${iso(e.at).slice(5, 16)} ${e.action}
        ${e.outcome}${e.reason ? html` (${e.reason})` : null}${e.detail ? html` <span class="muted">${e.detail}</span>` : null}
      </li>`,
  );
  return html`<ul class="history">
    ${items}
  </ul>`;
}

function hostRow(row: HostRow, now: number): SafeHtml {
  const cpus = row.logicalCpus === null ? "" : `${row.logicalCpus} / ${row.physicalCpus ?? "?"}`;
  const state = row.archivedAt !== null ? "replaced" : row.state;
  return html`<tr data-instance="${row.instanceId}" data-state="${state}">
    <td>
      <a href="${hostPath(row.instanceId)}"><code>${row.instanceId}</code></a
      >${row.hostname ? html`<div class="muted">${row.hostname}</div>` : null}
    </td>
    <td><code>${row.privateIp ?? ""}</code></td>
    <td>
      <span class="state state-${state}">${state}</span>${
        row.spot ? html` <span class="state state-${tileState(row)}">${row.spot}</span>` : null
      }${row.saturated ? html` <span class="state state-saturated">saturated</span>` : null}
      ${row.archivedAt !== null ? html`<div class="muted">left ${iso(row.archivedAt)}</div>` : null}
      ${row.reason ? html`<div class="muted">${row.reason}</div>` : null}
      <div class="muted">
        client: ${row.statusName}${row.clientVersion ? html`, v${row.clientVersion}` : null}
      </div>
    </td>
    <td title="${iso(row.lastSeenAt)}">
      ${row.lastSeenAt === null ? html`<span class="muted">never</span>` : ago(row.lastSeenAt, now)}
    </td>
    <td class="num">${cpus}</td>
    <td>
      ${row.attempts > 0 ? html`<div>${row.attempts} attempt${row.attempts === 1 ? "" : "s"}</div>` : null}${historyList(row)}
    </td>
  </tr>`;
}

/** Links to the previous and next pages of the table, when it has more than one. */
function pager(view: StatusPageView): SafeHtml | null {
  const { table, query } = view;
  const sizes = PAGE_SIZES.map((size) =>
    size === table.size
      ? html`<b>${size}</b>`
      : html`<a data-size="${size}" href="${pageUrl(query, { size, page: 1 })}">${size}</a>`,
  );
  const perPage = html`<span class="muted">per page: ${sizes}</span>`;
  if (table.pages <= 1) return html`<nav class="pager">${perPage}</nav>`;
  const first = (table.page - 1) * table.size + 1;
  const last = first + table.rows.length - 1;
  return html`<nav class="pager" data-page="${table.page}" data-pages="${table.pages}">
    ${table.page > 1 ? html`<a rel="first" href="${pageUrl(query, { page: 1 })}">first</a> <a rel="prev" href="${pageUrl(query, { page: table.page - 1 })}">previous</a>` : null}
    <span>rows ${first}–${last} of ${table.matching}, page ${table.page} of ${table.pages}</span>
    ${table.page < table.pages ? html`<a rel="next" href="${pageUrl(query, { page: table.page + 1 })}">next</a> <a rel="last" href="${pageUrl(query, { page: table.pages })}">last</a>` : null}
    ${perPage}
  </nav>`;
}

/** A GET form: the filters as query parameters, the sort, grouping and window kept. */
function filterForm(view: StatusPageView): SafeHtml {
  const { query, facets } = view;
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}" ${selected ? html` selected` : null}>${label}</option>`;
  const states = ["all", ...FLEET_STATES, ...EXTRA_FILTERS].map((s) =>
    option(s, s, query.state === s),
  );
  const select = (name: string, label: string, values: readonly string[], chosen: string) =>
    html`<label
      >${label}
      <select name="${name}">
        ${option("", "all", chosen === "")}${values.map((v) => option(v, v === "-" ? "none" : v, chosen === v))}
      </select></label
    >`;
  const kept = (["sort", "dir", "group", "window", "size"] as const).map(
    (key) => html`<input type="hidden" name="${key}" value="${String(query[key])}" />`,
  );
  return html`<form method="get" action="/" class="filters" id="filters">
    <label
      >state
      <select name="state">
        ${states}
      </select></label
    >
    ${select("zone", "zone", facets.zones, query.zone)}
    ${select("gen", "generation", facets.generations, query.gen)}
    <label>id or name <input type="search" name="q" value="${query.q}" maxlength="64" /></label>
    ${kept}
    <button type="submit">Filter</button>
  </form>`;
}

function chartSection(view: StatusPageView): SafeHtml {
  const windows = (Object.keys(CHART_WINDOWS) as ChartWindow[]).map((w) =>
    w === view.query.window
      ? html`<b data-window="${w}">${w}</b>`
      : html`<a data-window-link="${w}" href="${pageUrl(view.query, { window: w })}">${w}</a>`,
  );
  return html`<section id="chart">
    <h2>Hosts by state <span class="muted">window: ${windows}</span></h2>
    ${view.chart}
  </section>`;
}

function hostTable(view: StatusPageView): SafeHtml {
  const { query } = view;
  const headers = COLUMNS.map((key) => {
    const active = query.sort === key;
    const dir = active && query.dir === "asc" ? "desc" : "asc";
    const arrow = active ? (query.dir === "asc" ? " ▲" : " ▼") : "";
    return html`<th${active ? html` aria-sort="${query.dir === "asc" ? "ascending" : "descending"}"` : null}><a data-sort="${key}" href="${pageUrl(query, { sort: key, dir, page: 1 })}">${SORT_LABELS[key]}${arrow}</a></th>`;
  });
  const { table } = view;
  const rows = table.rows.map((row) => hostRow(row, view.now));
  const filtered = query.state !== "all" || query.zone !== "" || query.gen !== "" || query.q !== "";
  const clear = pageUrl(query, { state: "all", zone: "", gen: "", q: "", page: 1 });
  return html`<section>
    <h2>
      Hosts
      <span class="muted" data-shown
        >${table.matching}
        shown${filtered ? html` (filtered, <a href="${clear}">show all</a>)` : null}</span
      >
    </h2>
    ${filterForm(view)} ${pager(view)}
    <div class="scroll">
      <table id="hosts">
        <thead>
          <tr>
            ${headers}
            <th>Remediation history</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length > 0
              ? rows
              : html`<tr>
                  <td colspan="6" class="muted">No host matches.</td>
                </tr>`
          }
        </tbody>
      </table>
    </div>
  </section>`;
}

/** Who did what and why: every value is escaped by `html`, as operators typed them. */
function auditLog(entries: readonly AuditEntry[]): SafeHtml {
  const rows = entries.map(
    (e) =>
      html`<tr>
        <td>${iso(e.at)}</td>
        <td>${e.who}</td>
        <td>${e.action}</td>
        <td>${e.target ?? ""}</td>
        <td>${e.reason ?? ""}</td>
        <td>${e.outcome}</td>
      </tr>`,
  );
  return html`<section>
    <h2>Audit log <span class="muted">newest ${entries.length}</span></h2>
    ${scrollTable({
      id: "audit",
      headers: ["When", "Who", "What", "On", "Why", "Outcome"],
      rows,
      empty: "No operator action yet.",
    })}
  </section>`;
}

export function renderStatusPage(view: StatusPageView): string {
  const signOut = view.cookieSession
    ? html`<form method="post" action="/logout"><button type="submit">Sign out</button></form>`
    : null;
  return layout(
    "hpc-fleet host-manager",
    html`<header>
        <h1>hpc-fleet host-manager</h1>
        <span class="muted">as of ${iso(view.now)}, refreshes every ${view.refreshSeconds}s</span
        >${signOut}
      </header>
      <main>
        ${freezeBanner(view.holds, view.lastCycle)}
        ${view.canAct ? renderHoldForms(view.holds) : null} ${summary(view)}
        ${failedSlots(view.lastCycle)} ${renderRolloutBar(rolloutProgress(view.lastCycle))}
        ${view.jobs} ${view.grid} ${chartSection(view)} ${hostTable(view)} ${auditLog(view.audit)}
      </main>`,
    view.refreshSeconds,
  );
}

export function renderLoginPage(notice?: string): string {
  return layout(
    "Sign in: hpc-fleet host-manager",
    html`<main>
      <section class="login">
        <h2>hpc-fleet host-manager</h2>
        <p class="muted">
          Sign in with your operator name and token (<code>host-manager operators add</code>).
        </p>
        ${notice ? html`<p class="notice" role="alert">${notice}</p>` : null}
        <form method="post" action="/login">
          <label for="name">Name</label>
          <input id="name" name="name" type="text" autocomplete="username" required autofocus />
          <label for="token">Token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required />
          <button type="submit">Sign in</button>
        </form>
      </section>
    </main>`,
  );
}
