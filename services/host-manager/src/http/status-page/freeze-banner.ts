// The status page's banner while the fleet is frozen or the rollout paused: until when,
// by whom and why, and what the last cycle held back. The operator's forms to change
// them are in ./freeze-form.ts.
import type { CycleSummary } from "../../domain/cycle";
import type { HeldAction } from "../../domain/freeze";
import type { HoldsView } from "../holds-view";
import { html, type SafeHtml } from "./html";

/** Held actions listed on the page; the API lists them all. */
export const HELD_SHOWN = 50;

function heldList(held: readonly HeldAction[]): SafeHtml {
  if (held.length === 0) return html`<p class="muted">Nothing held in the last cycle.</p>`;
  const items = held
    .slice(0, HELD_SHOWN)
    .map(
      (h) =>
        html`<li data-held="${h.instanceId}">
          <code>${h.instanceId}</code> ${h.action}: ${h.reason}
        </li>`,
    );
  const more =
    held.length > HELD_SHOWN
      ? html`<li class="muted">and ${held.length - HELD_SHOWN} more (see /api/v1/health-check)</li>`
      : null;
  return html`<ul class="held">
    ${items}${more}
  </ul>`;
}

export function freezeBanner(
  holds: HoldsView | undefined,
  lastCycle: CycleSummary | undefined,
): SafeHtml | null {
  if (!holds) return null;
  const { freeze, rollout } = holds;
  if (freeze.frozen) {
    return html`<section class="frozen" data-frozen="true">
      <h2>Fleet frozen until ${freeze.until}</h2>
      <p>
        By ${freeze.by} since ${freeze.startedAt}: ${freeze.reason}. Hosts are still judged; no
        reboot, replace, rollout or removal is started. Held by the last cycle:
      </p>
      ${heldList(lastCycle?.heldByFreeze ?? [])}
    </section>`;
  }
  if (rollout.paused) {
    return html`<section class="frozen" data-rollout-paused="true">
      <h2>Rollout paused</h2>
      <p>
        By ${rollout.by} since ${rollout.pausedAt}: ${rollout.reason}. The ladder still remediates;
        rollout replacements held by the last cycle:
      </p>
      ${heldList(lastCycle?.heldByRolloutPause ?? [])}
    </section>`;
  }
  return null;
}
