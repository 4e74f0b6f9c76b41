// A local fake of Statuspage's batch metrics endpoint, on 127.0.0.1 only: it records
// every request (when it started, its headers and body) and can fail or hang on demand.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A Statuspage API key and metric ids as a deployment would set them (none is real). */
export const STATUSPAGE_API_KEY = "sp-key-0123456789abcdef";
export const STATUSPAGE_METRIC_IDS = {
  hostsTotal: "mtotal",
  running: "mrunning",
  unhealthy: "munhealthy",
  remediating: "mremediating",
  remediations: "mremediations",
};

/** The service's environment for pushing to Statuspage at `url` (empty: the default). */
export function statuspageEnv(url: string): Record<string, string> {
  return {
    HOST_MANAGER_STATUSPAGE_PAGE_ID: "page01",
    HOST_MANAGER_STATUSPAGE_API_KEY: STATUSPAGE_API_KEY,
    HOST_MANAGER_STATUSPAGE_METRIC_IDS: JSON.stringify(STATUSPAGE_METRIC_IDS),
    HOST_MANAGER_STATUSPAGE_URL: url,
  };
}

export type FakeMode = "ok" | "fail" | "reject" | "hang";

export interface RecordedPush {
  /** Date.now() when the request arrived. */
  at: number;
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface FakeStatuspage {
  url: string;
  pushes: RecordedPush[];
  /** What the next requests get; `fail` is a 503, `reject` a 400, `hang` never answers. */
  mode: FakeMode;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeStatuspage(): Promise<FakeStatuspage> {
  const hanging: ServerResponse[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const fake: FakeStatuspage = {
    url: "",
    pushes: [],
    mode: "ok",
    waitFor(count, timeoutMs = 10_000) {
      if (fake.pushes.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`fake statuspage: ${fake.pushes.length}/${count} requests`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text: the test will say the body was not JSON
      }
      fake.pushes.push({
        at,
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
      });
      for (const waiter of waiters.filter((w) => fake.pushes.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      if (fake.mode === "hang") {
        hanging.push(res);
        return;
      }
      const status = fake.mode === "ok" ? 201 : fake.mode === "fail" ? 503 : 400;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(status === 201 ? "{}" : '{"error":"fake"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
