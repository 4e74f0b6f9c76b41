// One job's page (`/job?id=`): what was asked, by whom and why, its progress, and every
// host's result a page at a time: state, resp, the retcode in hex with its meaning,
// message, attempts and data (cut short, with its whole size). For the operator role,
// the form that revokes what has not started (./job-page-routes.ts).
import { factsTable, scrollTable, type Fact } from "./table";
import type { JobRecord } from "../../adapters/storage/jobs";
import { describeRetcode, retcodeHex } from "../../domain/jobs/retcode";
import type { Task } from "../../domain/jobs/task";
import { taskView } from "../api/job-routes";
import { hostPath } from "./grid";
import { html, type SafeHtml } from "./html";
import { renderJobBar } from "./job-bar";
import { jobPath, jobState } from "./jobs-section";
import { iso, layout } from "./layout";

/** Hosts' results one page of a job shows. */
export const JOB_PAGE_RESULTS = 100;
/** Of each host's data, what the page shows (the API's host route gives all of it). */
export const JOB_PAGE_DATA_BYTES = 1024;

export interface JobPageView {
  readonly now: number;
  readonly job: JobRecord;
  /** This page's results, in instance-id order. */
  readonly results: readonly Task[];
  /** The link to the next page; null on the last. */
  readonly nextUrl: string | null;
  /** Whether this is a later page (a link back to the first is shown). */
  readonly later: boolean;
  readonly canAct: boolean;
}

const seconds = (ms: number) => `${ms / 1000} s`;

function facts(job: JobRecord): SafeHtml {
  const rows: Fact[] = [
    ["State", html`<span data-job-state="${jobState(job)}">${jobState(job)}</span>`],
    ["Action", html`<code>${job.action.action}</code>`],
    ["Parameters", html`<code>${JSON.stringify(job.action.params ?? {})}</code>`],
    ["Hosts", html`<code>${JSON.stringify(job.selector)}</code>`],
    ["Submitted by", job.submittedBy],
    ["Reason", job.reason],
    ["Created", iso(job.submittedAt)],
    ["Hosts at once", String(job.concurrency)],
    ["Time-to-run", seconds(job.timeToRunMs)],
    ["Attempts", `at most ${job.maxAttempts}, ${seconds(job.retryDelayMs)} apart`],
    ["Deadline", job.deadlineAt === null ? null : iso(job.deadlineAt)],
    ["During a freeze", job.runDuringFreeze ? "runs" : "held"],
    [
      "Revoked",
      job.revokedAt === null ? null : `${iso(job.revokedAt)} by ${job.revokedBy ?? "unknown"}`,
    ],
    ["Finished", job.finishedAt === null ? null : iso(job.finishedAt)],
  ];
  return factsTable(rows);
}

function retcodeCell(retcode: number | null): SafeHtml {
  if (retcode === null) return html`<td class="muted">none yet</td>`;
  return html`<td data-retcode="${retcodeHex(retcode)}">
    <code>${retcodeHex(retcode)}</code> <span class="muted">${describeRetcode(retcode)}</span>
  </td>`;
}

function dataCell(task: Task): SafeHtml {
  const view = taskView(task, JOB_PAGE_DATA_BYTES);
  if (view.data === null) return html`<td class="muted">none</td>`;
  const size = view.dataCut
    ? `${view.dataBytes} bytes, the first ${JOB_PAGE_DATA_BYTES} shown`
    : `${view.dataBytes} bytes`;
  return html`<td>
    <details data-data-bytes="${view.dataBytes}" data-data-cut="${String(view.dataCut)}">
      <summary>${size}</summary>
      <pre class="data">${view.data}${view.dataCut ? "…" : ""}</pre>
    </details>
  </td>`;
}

function resultRow(task: Task): SafeHtml {
  const view = taskView(task, 0);
  return html`<tr data-host="${task.instanceId}" class="${view.resp === "failed" ? "error" : ""}">
    <td>
      <a href="${hostPath(task.instanceId)}"><code>${task.instanceId}</code></a>
    </td>
    <td><span class="task-state task-${task.state}">${task.state}</span></td>
    <td>${view.resp ?? ""}</td>
    ${retcodeCell(task.retcode)}
    <td class="message">${task.message ?? task.progress ?? ""}</td>
    <td class="num">${task.attempts}</td>
    ${dataCell(task)}
  </tr>`;
}

function revokeForm(job: JobRecord): SafeHtml {
  return html`<form method="post" action="/job/revoke" class="hold" data-form="job-revoke">
    <input type="hidden" name="id" value="${job.id}" />
    <label for="revoke-reason">Reason</label>
    <input id="revoke-reason" name="reason" type="text" required maxlength="500" />
    <button type="submit">Revoke what has not started</button>
    <span class="muted">Running hosts finish their part; audited under your name.</span>
  </form>`;
}

export function renderJobPage(view: JobPageView): string {
  const { job } = view;
  const open = job.finishedAt === null && job.revokedAt === null;
  const pager = html`<p class="pager">
    ${view.later ? html`<a href="${jobPath(job.id)}">First page</a>` : null}
    ${view.nextUrl === null ? null : html`<a href="${view.nextUrl}" rel="next">Next page</a>`}
  </p>`;
  return layout(
    `Job ${job.id}: hpc-fleet host-manager`,
    html`<header>
        <h1><a href="/">hpc-fleet host-manager</a></h1>
        <span class="muted">as of ${iso(view.now)}</span>
      </header>
      <main>
        <section id="job" data-job="${job.id}">
          <h2>Job #${job.id} <span class="muted">${job.action.action}</span></h2>
          ${renderJobBar(job.counts, true)} ${facts(job)}
          ${view.canAct && open ? revokeForm(job) : null}
        </section>
        <section>
          <h2>
            Hosts' results
            <span class="muted">${view.results.length} on this page of ${job.counts.total}</span>
          </h2>
          ${pager}
          ${scrollTable({
            id: "results",
            headers: ["Host", "State", "Resp", "Retcode", "Message", "Attempts", "Data"],
            rows: view.results.map(resultRow),
            empty: "No host on this page.",
          })}
          ${pager}
        </section>
      </main>`,
  );
}

const lookupForm = html`<form method="get" action="/job" class="filters">
  <label>job number <input type="number" name="id" min="1" required /></label>
  <button type="submit">Show</button>
</form>`;

/** `/job` without an id: a form that asks for one. */
export function renderJobLookup(): string {
  return layout(
    "A job: hpc-fleet host-manager",
    html`<main>
      <section>
        <h2>Which job?</h2>
        ${lookupForm}
        <p><a href="/#jobs">The newest jobs, on the status page</a></p>
      </section>
    </main>`,
  );
}

export function renderNoSuchJob(id: string): string {
  return layout(
    "No such job: hpc-fleet host-manager",
    html`<main>
      <section>
        <h2>No job <code>${id}</code></h2>
        ${lookupForm}
        <p><a href="/#jobs">The newest jobs, on the status page</a></p>
      </section>
    </main>`,
  );
}
