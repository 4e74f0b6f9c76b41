// Deadlines for work that calls the cloud: a listing or a cycle that takes too long is
// given up on (and told to stop at its next step), rather than waited for, so that
// nothing scheduled after it piles up behind it. Timers run on Node's monotonic clock,
// which no step of the wall clock moves.

/** The work took longer than its deadline. */
export class DeadlineError extends Error {
  override readonly name = "DeadlineError";
}

/**
 * Settles as `work` does, or rejects with a DeadlineError after `ms`; then `controller`
 * (the work's own signal) is aborted with that error, so the work stops at its next step.
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  controller?: AbortController,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(`${what} exceeded its deadline of ${ms / 1000} s`);
      controller?.abort(error);
      reject(error);
    }, ms);
  });
  // The work goes on after its deadline until its next step; its end is nobody's error.
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
