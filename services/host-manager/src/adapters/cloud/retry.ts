// Retries with exponential backoff for throttling, 5xx and network faults, and a
// concurrency bound for fan-out cloud calls.
import { field } from "./errors";

export { describeError } from "./errors";

export interface RetryOptions {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

/** Throttling (any `Throttling*` code), server errors and timeouts are worth another try. */
export function isRetryable(error: unknown): boolean {
  const code = String(field(error, "code") ?? "");
  const statusCode = Number(field(error, "statusCode") ?? 0);
  const name = String(field(error, "name") ?? "");
  const message = String(field(error, "message") ?? "");
  if (code.includes("Throttling") || name === "ThrottlingError") return true;
  if (statusCode >= 500 && statusCode < 600) return true;
  if (code.startsWith("ServiceUnavailable") || code === "InternalError") return true;
  if (NETWORK_CODES.has(code)) return true;
  return /timeout|timed out|socket hang up|ECONNRESET|ECONNREFUSED/i.test(`${name} ${message}`);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `fn`, and again after a jittered backoff while `retryable` says its failure may pass. */
export async function withRetry<T>(
  fn: () => Promise<T>,
  options: RetryOptions = DEFAULT_RETRY,
  retryable: (error: unknown) => boolean = isRetryable,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= options.retries || !retryable(error)) throw error;
      // Full jitter keeps many callers from retrying in lockstep.
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
      const delay = Math.round(Math.random() * ceiling);
      options.onRetry?.(error, attempt + 1, delay);
      await sleep(delay);
    }
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
