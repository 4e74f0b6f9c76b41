// Operators polling the heavy reads while the fleet reports: each poller walks the
// host list (every page, 500 a page, following nextCursor) and loads the status page,
// one request at a time, a request every INTERVAL_MS, until told to stop. Each from its
// own loopback address (127.0.0.11, .12, ...), as separate operators would be, so each
// has its own per-address budget, and at 2 reads a second: the most the service serves
// one address for long (120 a minute), so every read is served and none is a cheap 429.
// The same pace against the bare server, which serves bodies of the same size.
// Only ever against the server the benchmark started on 127.0.0.1, over HTTPS as the
// hosts' reports (its certificate is the bench's own: not checked).
import { Agent, request } from "node:https";

const INTERVAL_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PollFigures {
  /** Responses by status code (200 served, 429 rate-limited, ...). */
  readonly statuses: Record<string, number>;
  readonly bytes: number;
  readonly errors: number;
}

export function get(
  agent: Agent,
  url: string,
  authorization: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, headers: { authorization }, rejectUnauthorized: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Starts `count` pollers against `base`; stop() ends them and gives their figures. */
export function startPollers(
  base: string,
  token: string,
  count: number,
): { stop: () => Promise<PollFigures> } {
  let running = true;
  const statuses: Record<string, number> = {};
  let bytes = 0;
  let errors = 0;
  const authorization = `Bearer ${token}`;
  const poller = async (i: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.0.${11 + i}` });
    const fetchOne = async (path: string) => {
      const next = Date.now() + INTERVAL_MS;
      try {
        const res = await get(agent, base + path, authorization);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        bytes += res.body.length;
        return res;
      } catch {
        errors++;
        return undefined;
      } finally {
        await sleep(Math.max(0, next - Date.now()));
      }
    };
    while (running) {
      let cursor: string | null = null;
      do {
        const res = await fetchOne(`/api/v1/hosts?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
        cursor =
          res?.status === 200
            ? (JSON.parse(res.body) as { nextCursor: string | null }).nextCursor
            : null;
      } while (running && cursor !== null);
      if (running) await fetchOne("/");
    }
    agent.destroy();
  };
  const done = Promise.all(Array.from({ length: count }, (_, i) => poller(i)));
  return {
    async stop() {
      running = false;
      await done;
      return { statuses, bytes, errors };
    },
  };
}
