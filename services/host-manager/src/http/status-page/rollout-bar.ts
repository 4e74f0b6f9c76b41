// The rollout's progress as a bar: hosts done (on the current generation), rolling (a
// rollout had ESS replace them, their successors not yet in), and outdated (still to
// go), with a mark at the minimum the rollout keeps in service. From the last cycle's
// record: the figures the rollout itself decided on.
import type { CycleSummary } from "../../domain/cycle";
import { html, type SafeHtml } from "./html";

export interface RolloutProgress {
  readonly generation: string;
  readonly done: number;
  readonly rolling: number;
  readonly outdated: number;
  /** Healthy hosts the rollout keeps in service, and those there are. */
  readonly minHealthy: number;
  readonly healthy: number;
  readonly held?: string;
}

/** The progress the last cycle recorded; undefined without a rollout (no generation set). */
export function rolloutProgress(cycle: CycleSummary | undefined): RolloutProgress | undefined {
  const rollout = cycle?.rollout;
  if (!cycle || !rollout) return undefined;
  const outdated = cycle.outdated ?? 0;
  return {
    generation: rollout.generation,
    done: Math.max(0, cycle.total - outdated),
    rolling: rollout.inFlight,
    outdated,
    minHealthy: rollout.minHealthy,
    healthy: rollout.healthy,
    ...(rollout.held ? { held: rollout.held } : {}),
  };
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : (100 * part) / whole);

export function renderRolloutBar(progress: RolloutProgress | undefined): SafeHtml | null {
  if (progress === undefined) return null;
  const { done, rolling, outdated, minHealthy } = progress;
  const whole = done + rolling + outdated;
  const part = (name: string, count: number) =>
    count === 0
      ? null
      : html`<span
          class="bar-${name}"
          data-part="${name}"
          style="width:${percent(count, whole).toFixed(2)}%"
          title="${count} ${name}"
        ></span>`;
  const floor = percent(minHealthy, whole);
  const state =
    outdated + rolling === 0 ? "complete" : progress.held ? `held (${progress.held})` : "rolling";
  return html`<section id="rollout" data-rollout="${state}">
    <h2>Rollout to <code>${progress.generation}</code> <span class="muted">${state}</span></h2>
    <div class="bar" role="img" aria-label="${done} done, ${rolling} rolling, ${outdated} outdated">
      ${part("done", done)}${part("rolling", rolling)}${part("outdated", outdated)}
      <i
        class="bar-floor"
        style="left:${floor.toFixed(2)}%"
        title="kept in service: ${minHealthy}"
      ></i>
    </div>
    <div class="legend">
      <span class="key"><i class="bar-done"></i><b data-done>${done}</b> done</span>
      <span class="key"><i class="bar-rolling"></i><b data-rolling>${rolling}</b> rolling</span>
      <span class="key"><i class="bar-outdated"></i><b data-outdated>${outdated}</b> outdated</span>
      <span class="key"
        ><i class="bar-floor-key"></i>at least <b data-min-healthy>${minHealthy}</b> kept in service
        (${progress.healthy} healthy now)</span
      >
    </div>
  </section>`;
}
