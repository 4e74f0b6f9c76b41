// Simulated hosts on the job API over real HTTP: each speaks as one instance (the fleet
// token and X-Instance-Id, from 127.0.0.1, which the test service accepts for the
// simulated cloud as it does reports). Requests go out a bounded number at a time: the
// server closes sockets past 128 from one address (DEFAULT_CONNECTION_LIMITS).
import { simInstanceId } from "../../src/adapters/cloud/simulated";
import { TOKEN } from "../support/fixtures";

export const FLEET_AUTH = { authorization: `Bearer ${TOKEN}` };

export interface Offer {
  taskId: number;
  jobId: string;
  version: number;
  action: string;
  params: unknown;
  attempt: number;
}

export class JobHosts {
  /** Accepts won, per instance id: a task run twice would show as 2. */
  readonly accepted = new Map<string, number>();

  constructor(public url: string) {}

  headers(instanceId: string, body = false): Record<string, string> {
    return {
      ...FLEET_AUTH,
      "x-instance-id": instanceId,
      ...(body ? { "content-type": "application/json" } : {}),
    };
  }

  async next(instanceId: string, wait = 0): Promise<Offer | null> {
    const res = await fetch(`${this.url}/rpc/v1/tasks/next?wait=${wait}`, {
      headers: this.headers(instanceId),
    });
    if (res.status !== 200)
      throw new Error(`next ${instanceId}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { task: Offer | null }).task;
  }

  post(instanceId: string, taskId: number, what: string, body: unknown): Promise<Response> {
    return fetch(`${this.url}/rpc/v1/tasks/${taskId}/${what}`, {
      method: "POST",
      headers: this.headers(instanceId, true),
      body: JSON.stringify(body),
    });
  }

  /** The new version if this accept won, else undefined (409). */
  async accept(instanceId: string, offer: Offer): Promise<number | undefined> {
    const res = await this.post(instanceId, offer.taskId, "accept", { version: offer.version });
    if (res.status === 409) return undefined;
    if (res.status !== 200) throw new Error(`accept: ${res.status} ${await res.text()}`);
    this.accepted.set(instanceId, (this.accepted.get(instanceId) ?? 0) + 1);
    return ((await res.json()) as { version: number }).version;
  }

  async result(
    instanceId: string,
    taskId: number,
    version: number,
    body: Record<string, unknown> = { resp: "success", message: "done" },
  ): Promise<Response> {
    return this.post(instanceId, taskId, "result", { version, ...body });
  }
}

/** Runs `work` over `items`, at most `limit` at once. */
export async function inBatches<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  });
  await Promise.all(lanes);
  return results;
}

export const hostIds = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => simInstanceId(i + 1));
