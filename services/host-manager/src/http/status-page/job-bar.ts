// A job's progress as a bar, like the rollout's: its hosts' parts that succeeded, failed
// (failed, buried), were revoked, are running (reserved) and wait (pending, offered,
// delayed), from the job's task counts.
import type { JobRecord } from "../../adapters/storage/jobs";
import { html, type SafeHtml } from "./html";

const PARTS = [
  ["success", (c: JobRecord["counts"]) => c.success],
  ["failed", (c: JobRecord["counts"]) => c.failed + c.buried],
  ["revoked", (c: JobRecord["counts"]) => c.revoked],
  ["running", (c: JobRecord["counts"]) => c.reserved],
  ["waiting", (c: JobRecord["counts"]) => c.pending + c.ready + c.delayed],
] as const;

export type JobBarPart = (typeof PARTS)[number][0];

export function jobParts(counts: JobRecord["counts"]): Record<JobBarPart, number> {
  return Object.fromEntries(PARTS.map(([name, of]) => [name, of(counts)])) as Record<
    JobBarPart,
    number
  >;
}

/** The bar and, with `legend`, each part's count beside it. */
export function renderJobBar(counts: JobRecord["counts"], legend = false): SafeHtml {
  const parts = jobParts(counts);
  const whole = counts.total;
  const spans = PARTS.map(([name]) =>
    parts[name] === 0
      ? null
      : html`<span
          class="jb-${name}"
          data-part="${name}"
          style="width:${((100 * parts[name]) / whole).toFixed(2)}%"
          title="${parts[name]} ${name}"
        ></span>`,
  );
  const label = PARTS.map(([name]) => `${parts[name]} ${name}`).join(", ");
  const keys = legend
    ? html`<div class="legend">
        ${PARTS.map(
          ([name]) =>
            html`<span class="key"
              ><i class="jb-${name}"></i><b data-count="${name}">${parts[name]}</b> ${name}</span
            >`,
        )}
        <span class="key">of <b data-count="total">${whole}</b> hosts</span>
      </div>`
    : null;
  return html`<div class="bar job-bar" role="img" aria-label="${label}">${spans}</div>
    ${keys}`;
}
