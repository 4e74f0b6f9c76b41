// Server-rendered HTML for the status page and its login form. No script at all: the
// filter and the sort are links, the refresh is a meta refresh that keeps them.
import type { AuditEntry } from "../../adapters/storage/audit";
import type { CycleSummary } from "../../domain/cycle";
import { FLEET_STATES } from "../../domain/fleet-state";
import type { HoldsView } from "../holds-view";
import { freezeBanner } from "./freeze-banner";
import { html, SafeHtml } from "./html";
import {
  TABLE_PAGE_ROWS,
  type HostRow,
  type HostTable,
  type PageQuery,
  type SortKey,
} from "./model";
import { STYLES } from "./styles";

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
  readonly chart: SafeHtml;
  readonly chartHours: number;
  readonly refreshSeconds: number;
  /** Signed in with the cookie (so a sign-out button makes sense), not a bearer header. */
  readonly cookieSession: boolean;
  /** The newest operator actions, newest first. */
  readonly audit: readonly AuditEntry[];
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

const iso = (ms: number | null) =>
  ms === null ? "never" : new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";

function ago(ms: number | null, now: number): string {
  if (ms === null) return "";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  return `${(s / 3600).toFixed(1)} h ago`;
}

function pageUrl(query: PageQuery, change: Partial<PageQuery>): string {
  const next = { ...query, ...change };
  const params = new URLSearchParams();
  if (next.state !== "all") params.set("state", next.state);
  if (next.sort !== "state") params.set("sort", next.sort);
  if (next.dir !== "asc") params.set("dir", next.dir);
  if (next.page !== 1) params.set("page", String(next.page));
  const text = params.toString();
  return text ? `/?${text}` : "/";
}

function layout(title: string, body: SafeHtml, refreshSeconds?: number): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${refreshSeconds ? html`<meta http-equiv="refresh" content="${refreshSeconds}" />` : null}
        <title>${title}</title>
        <style>
          ${new SafeHtml(STYLES)}
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html> `.value;
}

function summary(view: StatusPageView): SafeHtml {
  const { counts } = view.table;
  const cards = [
    { state: "all" as const, label: "all hosts", count: counts.total },
    ...FLEET_STATES.map((state) => ({ state, label: state, count: counts[state] })),
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
      ${facts} ${guard}
      <span class="muted"
        >schedule
        <code>${view.schedule}</code
        >${view.nextRunAt ? html`, next ${iso(view.nextRunAt.getTime())}` : null}${view.dryRun ? ", dry run" : null}</span
      >
    </div>
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
  return html`<tr data-instance="${row.instanceId}" data-state="${row.state}">
    <td>
      <code>${row.instanceId}</code
      >${row.hostname ? html`<div class="muted">${row.hostname}</div>` : null}
    </td>
    <td><code>${row.privateIp ?? ""}</code></td>
    <td>
      <span class="state state-${row.state}">${row.state}</span>
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
  if (table.pages <= 1) return null;
  const first = (table.page - 1) * TABLE_PAGE_ROWS + 1;
  const last = first + table.rows.length - 1;
  return html`<nav class="pager" data-page="${table.page}" data-pages="${table.pages}">
    ${table.page > 1 ? html`<a rel="prev" href="${pageUrl(query, { page: table.page - 1 })}">previous</a>` : null}
    <span>rows ${first}–${last} of ${table.matching}, page ${table.page} of ${table.pages}</span>
    ${table.page < table.pages ? html`<a rel="next" href="${pageUrl(query, { page: table.page + 1 })}">next</a>` : null}
  </nav>`;
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
  return html`<section>
    <h2>
      Hosts
      <span class="muted" data-shown
        >${table.matching}
        shown${query.state !== "all" ? html` (state ${query.state}, <a href="${pageUrl(query, { state: "all", page: 1 })}">show all</a>)` : null}</span
      >
    </h2>
    ${pager(view)}
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
                <td colspan="6" class="muted">No host in this state.</td>
              </tr>`
        }
      </tbody>
    </table>
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
    <table id="audit">
      <thead>
        <tr>
          <th>When</th>
          <th>Who</th>
          <th>What</th>
          <th>On</th>
          <th>Why</th>
          <th>Outcome</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length > 0
            ? rows
            : html`<tr>
                <td colspan="6" class="muted">No operator action yet.</td>
              </tr>`
        }
      </tbody>
    </table>
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
        ${freezeBanner(view.holds, view.lastCycle)} ${summary(view)}
        <section>
          <h2>Hosts by state, last ${view.chartHours} hours</h2>
          ${view.chart}
        </section>
        ${hostTable(view)} ${auditLog(view.audit)}
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
