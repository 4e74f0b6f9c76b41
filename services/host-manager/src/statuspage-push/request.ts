// One request to the Statuspage API (https://developer.statuspage.io/): the OAuth key
// header, JSON both ways, a timeout, and what the answer means for a retry. The request
// is never logged: its Authorization header holds the API key.
import type { StatuspageConfig } from "../adapters/env/config";

export type RequestOutcome = "ok" | "error" | "dropped";

export interface StatuspageAnswer {
  /** ok: done; error: may work later (5xx, throttled, no answer); dropped: refused (4xx). */
  readonly outcome: RequestOutcome;
  /** The HTTP status, when one came back. */
  readonly status?: number;
  /** The parsed JSON body of a 2xx answer, if it had one. */
  readonly body?: unknown;
  /** Why it failed without an answer (a timeout, a refused connection). */
  readonly error?: string;
}

/** Statuspage answers these when it is busy or throttling; anything else 4xx will not improve. */
const RETRYABLE_STATUS = new Set([408, 420, 425, 429]);

export async function statuspageRequest(
  config: Pick<StatuspageConfig, "url" | "pageId" | "apiKey">,
  method: "GET" | "POST" | "PATCH",
  /** Below the page, e.g. `/metrics/data`. */
  path: string,
  /** The JSON body; none for a GET. */
  body: unknown,
  signal: AbortSignal,
): Promise<StatuspageAnswer> {
  const url = `${config.url}/v1/pages/${encodeURIComponent(config.pageId)}${path}`;
  const authorization = `OAuth ${config.apiKey}`;
  try {
    const response = await fetch(url, {
      method,
      ...(method === "GET"
        ? { headers: { authorization } }
        : {
            headers: { authorization, "content-type": "application/json" },
            body: JSON.stringify(body),
          }),
      signal,
    });
    const text = await response.text().catch(() => "");
    if (response.ok) {
      let parsed: unknown;
      try {
        parsed = text === "" ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { outcome: "ok", status: response.status, body: parsed };
    }
    const retry = response.status >= 500 || RETRYABLE_STATUS.has(response.status);
    return { outcome: retry ? "error" : "dropped", status: response.status };
  } catch (error) {
    return {
      outcome: "error",
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}
