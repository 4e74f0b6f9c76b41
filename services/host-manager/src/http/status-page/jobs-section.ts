// The status page's Jobs section: the newest jobs (action, who and why, progress, when
// made and finished), each linking to its own page (./job-page.ts) with every host's result.
import { scrollTable } from "./table";
import type { JobRecord } from "../../adapters/storage/jobs";
import { html, type SafeHtml } from "./html";
import { renderJobBar } from "./job-bar";
import { iso } from "./layout";

/** Jobs the status page shows, newest first. */
export const JOBS_ON_PAGE = 10;

export const jobPath = (id: number) => `/job?id=${id}`;

/** What of the jobs shown can change the section: a key for the page's memo. */
export function jobsKey(jobs: readonly JobRecord[]): string {
  return JSON.stringify(jobs.map((j) => [j.id, j.counts, j.finishedAt, j.revokedAt]));
}

/** A job's state in a word: finished, revoked (its running tasks may still end), running. */
export function jobState(job: Pick<JobRecord, "finishedAt" | "revokedAt">): string {
  if (job.finishedAt !== null) return job.revokedAt !== null ? "revoked" : "finished";
  return job.revokedAt !== null ? "revoking" : "running";
}

export function renderJobsSection(jobs: readonly JobRecord[]): SafeHtml {
  const rows = jobs.map(
    (job) =>
      html`<tr data-job="${job.id}">
        <td><a href="${jobPath(job.id)}">#${job.id}</a></td>
        <td><code>${job.action.action}</code></td>
        <td>${job.submittedBy}</td>
        <td class="reason">${job.reason}</td>
        <td class="progress">
          ${renderJobBar(job.counts)}
          <span class="muted" data-job-state="${jobState(job)}"
            >${jobState(job)}: ${job.counts.total - openCount(job)} of ${job.counts.total}
            done</span
          >
        </td>
        <td>${iso(job.submittedAt)}</td>
        <td>${job.finishedAt === null ? "" : iso(job.finishedAt)}</td>
      </tr>`,
  );
  return html`<section id="jobs">
    <h2>Jobs <span class="muted">newest ${jobs.length}</span></h2>
    ${scrollTable({
      headers: ["Job", "Action", "By", "Reason", "Progress", "Created", "Finished"],
      rows,
      empty: "No job submitted yet (POST /api/v1/jobs).",
    })}
    <p><a href="/job">Find a job by its number</a></p>
  </section>`;
}

function openCount(job: JobRecord): number {
  const c = job.counts;
  return c.pending + c.ready + c.reserved + c.delayed;
}
