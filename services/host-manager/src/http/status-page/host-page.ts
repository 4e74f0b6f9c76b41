// One host's page: what the registry holds of it (active or long replaced), its place in
// its slot's chain of replacements, and its remediation history, newest first.
import { factsTable, scrollTable, type Fact } from "./table";
import type { Handoff } from "../../adapters/storage/archived-hosts";
import type { RemediationEvent } from "../../domain/host";
import { hostPath, tileState } from "./grid";
import { html, type SafeHtml } from "./html";
import { ago, iso, layout } from "./layout";
import type { HostRow } from "./model";

/** History entries one host's page shows. */
export const HOST_PAGE_EVENTS = 200;

export interface HostPageView {
  readonly now: number;
  readonly row: HostRow;
  readonly firstSeenAt: number;
  readonly lifecycleState: string | null;
  readonly handoffs: readonly Handoff[];
  readonly history: readonly RemediationEvent[];
}

function chain(instanceId: string, handoffs: readonly Handoff[]): SafeHtml | null {
  const items = handoffs.map((h) => {
    const link = (id: string | null) =>
      id === null
        ? html`<span class="muted">not yet known</span>`
        : html`<a href="${hostPath(id)}"><code>${id}</code></a>`;
    return h.fromInstance === instanceId
      ? html`<li data-successor="${h.toInstance ?? ""}">
          ${iso(h.at)}: replaced (${h.origin}) by ${link(h.toInstance)}
        </li>`
      : html`<li data-predecessor="${h.fromInstance}">
          ${iso(h.at)}: took over from ${link(h.fromInstance)} (${h.origin})
        </li>`;
  });
  return items.length === 0
    ? null
    : html`<ul class="chain">
        ${items}
      </ul>`;
}

export function renderHostPage(view: HostPageView): string {
  const { row, now } = view;
  const state = row.archivedAt !== null ? "replaced" : tileState(row);
  const facts: Fact[] = [
    ["State", html`<span class="state state-${state}" data-host-state="${state}">${state}</span>`],
    ["Why", row.reason],
    ["Client", `${row.statusName}${row.clientVersion ? `, v${row.clientVersion}` : ""}`],
    ["Host name", row.hostname],
    ["Private IP", row.privateIp],
    ["Zone", row.zone ?? "unknown"],
    ["Generation", row.generation ?? "untagged"],
    ["Lifecycle", view.lifecycleState],
    ["Spot", row.spot],
    ["Saturated", row.saturated ? "yes" : "no"],
    ["CPUs", row.logicalCpus === null ? null : `${row.logicalCpus} / ${row.physicalCpus ?? "?"}`],
    ["First seen", iso(view.firstSeenAt)],
    [
      "Last seen",
      row.lastSeenAt === null ? "never" : `${iso(row.lastSeenAt)} (${ago(row.lastSeenAt, now)})`,
    ],
    ["Left the group", row.archivedAt === null ? null : iso(row.archivedAt)],
    ["Remediation attempts", row.attempts],
  ];
  const history = view.history.map(
    (e) =>
      html`<tr class="${e.outcome === "error" ? "error" : ""}" data-event="${e.action}">
        <td>${iso(e.at)}</td>
        <td>${e.action}</td>
        <td>${e.outcome}</td>
        <td>${e.reason ?? ""}</td>
        <td>${e.detail ?? ""}</td>
      </tr>`,
  );
  return layout(
    `${row.instanceId}: hpc-fleet host-manager`,
    html`<header>
        <h1><a href="/">hpc-fleet host-manager</a></h1>
        <span class="muted">as of ${iso(now)}</span>
      </header>
      <main>
        <section id="host" data-instance="${row.instanceId}">
          <h2><code>${row.instanceId}</code></h2>
          ${factsTable(facts)} ${chain(row.instanceId, view.handoffs)}
        </section>
        <section>
          <h2>History <span class="muted">newest ${view.history.length}</span></h2>
          ${scrollTable({
            id: "history",
            headers: ["When", "What", "Outcome", "Why", "Detail"],
            rows: history,
            empty: "No remediation recorded.",
          })}
        </section>
      </main>`,
  );
}

const lookupForm = html`<form method="get" action="/host" class="filters">
  <label>instance id <input type="search" name="id" required maxlength="128" /></label>
  <button type="submit">Show</button>
</form>`;

export function renderNoSuchHost(instanceId: string): string {
  return layout(
    "No such host: hpc-fleet host-manager",
    html`<main>
      <section>
        <h2>No host <code>${instanceId}</code></h2>
        <p>
          The registry has never seen it. <a href="/?state=replaced">Replaced hosts</a>,
          <a href="/">the status page</a>
        </p>
        ${lookupForm}
      </section>
    </main>`,
  );
}

/** `/host` without an id: a form that asks for one. */
export function renderHostLookup(): string {
  return layout(
    "A host: hpc-fleet host-manager",
    html`<main>
      <section>
        <h2>Which host?</h2>
        <p class="muted">Active or replaced: the registry keeps both, with their history.</p>
        ${lookupForm}
        <p><a href="/">Back to the status page</a></p>
      </section>
    </main>`,
  );
}
