// The page's tables: a header row, the rows or one line saying there are none, in a box
// that scrolls sideways on a narrow screen rather than widening the page.
import { html, type SafeHtml } from "./html";

export function scrollTable(table: {
  readonly id?: string;
  readonly headers: readonly string[];
  readonly rows: readonly SafeHtml[];
  /** What the table says when it has no row. */
  readonly empty: string;
}): SafeHtml {
  const { id, headers, rows, empty } = table;
  const body =
    rows.length > 0
      ? rows
      : html`<tr>
          <td colspan="${headers.length}" class="muted">${empty}</td>
        </tr>`;
  return html`<div class="scroll">
    <table${id === undefined ? "" : html` id="${id}"`}>
      <thead>
        <tr>
          ${headers.map((header) => html`<th>${header}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${body}
      </tbody>
    </table>
  </div>`;
}

/** A label and its value; a fact whose value is null or empty is left out. */
export type Fact = readonly [label: string, value: SafeHtml | string | number | null];

/** A record's facts, a row each (label, value), in the same scrolling box. */
export function factsTable(facts: readonly Fact[]): SafeHtml {
  return html`<div class="scroll">
    <table class="facts-table">
      ${facts
        .filter(([, value]) => value !== null && value !== "")
        .map(
          ([label, value]) =>
            html`<tr>
              <th>${label}</th>
              <td>${value}</td>
            </tr>`,
        )}
    </table>
  </div>`;
}
