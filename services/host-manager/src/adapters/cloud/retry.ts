// Retries with exponential backoff for throttling, 5xx and network faults, and a
// concurrency bound for fan-out cloud calls.

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

function field(error: unknown, name: string): unknown {
  return typeof error === "object" && error !== null
    ? (error as Record<string, unknown>)[name]
    : undefined;
}

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

export async function withRetry<T>(
  fn: () => Promise<T>,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= options.retries || !isRetryable(error)) throw error;
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

export function describeError(error: unknown): string {
  const code = field(error, "code");
  const message = String(field(error, "message") ?? error);
  return code ? `${String(code)}: ${message}` : message;
}
