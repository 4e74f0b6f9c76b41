// The fleet grid: one small tile per active host, coloured by its state, grouped by zone
// or generation. No script: a tile is a link to the host's page (a tap opens it), its
// title says what it is (hover), and the stylesheet shows the same text beside a tile
// that has the focus (keyboard, or a long press that focuses without following).
import { FLEET_STATES } from "../../domain/fleet-state";
import { escapeHtml, html, SafeHtml } from "./html";
import type { Grouping, HostRow } from "./model";

/** The tile's look: a spot reclaim outranks the fleet state, as the health check leaves it alone. */
export function tileState(row: Pick<HostRow, "state" | "spot">): string {
  return row.spot ?? row.state;
}

/** What a grid tile links to: the host's own page, with its history. */
export const hostPath = (instanceId: string) => `/host?id=${encodeURIComponent(instanceId)}`;

/** Every state a tile can show, in the legend's order. */
export const TILE_STATES = [...FLEET_STATES, "reclaiming", "reclaimed"] as const;

const NONE: Record<Grouping, string> = { zone: "zone unknown", generation: "untagged" };

function groupKey(row: HostRow, grouping: Grouping): string | null {
  return grouping === "zone" ? row.zone : row.generation;
}

/**
 * One tile: built as a plain string rather than with `html` (10,000 of them per render);
 * the one value a host can shape, the title, goes through `escape`; the class is a state
 * name and the link an encoded instance id.
 */
function tile(row: HostRow, escape: (text: string) => string): string {
  const look = tileState(row);
  const tip = [
    row.instanceId,
    row.hostname,
    look,
    row.reason,
    row.saturated ? "saturated" : null,
    row.privateIp,
  ]
    .filter((part) => part !== null && part !== "")
    .join(" · ");
  return `<a class="t s-${look}${row.saturated ? " sat" : ""}" href="${hostPath(row.instanceId)}" title="${escape(tip)}"></a>`;
}

/** A row's tile as the grid shows it: what a snapshot prepares ahead of a render. */
export const tileHtml = (row: HostRow): string => tile(row, escapeHtml);

/** `prepared`: tiles made ahead, by row (a row without one is made here). */
export function renderGrid(
  rows: readonly HostRow[],
  grouping: Grouping,
  escape: (text: string) => string,
  groupUrl: (grouping: Grouping) => string,
  filterUrl: (value: string) => string,
  prepared?: ReadonlyMap<HostRow, string>,
): SafeHtml {
  const groups = new Map<string | null, HostRow[]>();
  for (const row of rows) {
    const key = groupKey(row, grouping);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(row);
  }
  // Named groups in order, the hosts without one last.
  const keys = [...groups.keys()].sort((a, b) =>
    a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0,
  );
  const sections = keys.map((key) => {
    const members = groups.get(key) as HostRow[];
    const counts = new Map<string, number>();
    for (const row of members) counts.set(tileState(row), (counts.get(tileState(row)) ?? 0) + 1);
    const tally = TILE_STATES.filter((s) => counts.has(s)).map(
      (s) => html`<span class="tally s-${s}">${counts.get(s)} ${s}</span>`,
    );
    const tiles = new SafeHtml(
      members.map((row) => prepared?.get(row) ?? tile(row, escape)).join(""),
    );
    return html`<details class="group" open data-group="${key ?? ""}">
      <summary>
        <a href="${filterUrl(key ?? "-")}">${key ?? NONE[grouping]}</a>
        <span class="muted">${members.length} hosts</span> ${tally}
      </summary>
      <div class="tiles">${tiles}</div>
    </details>`;
  });
  const choice = (g: Grouping) =>
    g === grouping
      ? html`<b data-grouping="${g}">${g}</b>`
      : html`<a href="${groupUrl(g)}" data-grouping-link="${g}">${g}</a>`;
  const legend = TILE_STATES.map((s) => html`<span class="key"><i class="s-${s}"></i>${s}</span>`);
  return html`<section id="grid" data-tiles="${rows.length}">
    <h2>
      Fleet grid
      <span class="muted"
        >${rows.length} hosts, by ${choice("zone")} / ${choice("generation")}</span
      >
    </h2>
    ${rows.length === 0 ? html`<p class="muted">No active host.</p>` : sections}
    <div class="legend">
      ${legend}<span class="key"><i class="sat"></i>saturated</span>
    </div>
  </section>`;
}
