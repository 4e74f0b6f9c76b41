// The operator's controls on the status page: freeze the fleet for some minutes with a
// reason, unfreeze, pause and resume the rollout. Plain forms posting to the page's own
// routes (./hold-routes.ts): the session cookie (SameSite=Strict) plus the server's
// same-origin check on every state-changing request, and the operator role, as the API.
import { MAX_FREEZE_MS } from "../../domain/freeze";
import type { HoldsView } from "../holds-view";
import { html, type SafeHtml } from "./html";

/** The longest freeze the form offers, in minutes: what the API allows. */
export const MAX_FREEZE_MINUTES = Math.floor(MAX_FREEZE_MS / 60_000);

const reasonInput = (id: string) =>
  html`<label for="${id}">Reason</label>
    <input id="${id}" name="reason" type="text" required maxlength="500" />`;

export function renderHoldForms(holds: HoldsView | undefined): SafeHtml {
  const frozen = holds?.freeze.frozen === true;
  const paused = holds?.rollout.paused === true;
  const freeze = html`<form method="post" action="/freeze" class="hold" data-form="freeze">
    <label for="freeze-minutes">${frozen ? "Freeze again for" : "Freeze for"} (minutes)</label>
    <input
      id="freeze-minutes"
      name="minutes"
      type="number"
      min="1"
      max="${MAX_FREEZE_MINUTES}"
      value="60"
      required
    />
    ${reasonInput("freeze-reason")}
    <button type="submit">Freeze the fleet</button>
  </form>`;
  const unfreeze = frozen
    ? html`<form method="post" action="/unfreeze" class="hold" data-form="unfreeze">
        ${reasonInput("unfreeze-reason")}
        <button type="submit">Unfreeze</button>
      </form>`
    : null;
  const rollout = paused
    ? html`<form method="post" action="/rollout/resume" class="hold" data-form="rollout-resume">
        ${reasonInput("resume-reason")}
        <button type="submit">Resume the rollout</button>
      </form>`
    : html`<form method="post" action="/rollout/pause" class="hold" data-form="rollout-pause">
        ${reasonInput("pause-reason")}
        <button type="submit">Pause the rollout</button>
      </form>`;
  // Folded away until wanted (no script: <details> opens by itself), open while frozen.
  return html`<details id="holds" class="section" ${frozen || paused ? html` open` : null}>
    <summary>
      <b>Freeze the fleet, pause the rollout</b>
      <span class="muted">every change is audited under your name</span>
    </summary>
    <div class="holds">${freeze}${unfreeze}${rollout}</div>
  </details>`;
}
