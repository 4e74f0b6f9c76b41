// A local fake of the Statuspage API, on 127.0.0.1 only: the metrics batch endpoint, a
// page's components and its incidents. It records every request (when it started, its
// headers and body) and can fail or hang on demand. It refuses what the real API
// refuses (https://developer.statuspage.io/): a missing or wrong `Authorization: OAuth
// <key>` (401, "Authentication"), another page or an unknown component or incident
// (404), and a body that is not JSON (400) or whose values the API does not take (422):
// a component status outside operational, under_maintenance, degraded_performance,
// partial_outage, major_outage (#operation/patchPagesPageIdComponentsComponentId), an
// incident without a name, with a status outside investigating, identified, monitoring,
// resolved, or naming components the page does not have (#operation/postPagesPageIdIncidents,
// #operation/patchPagesPageIdIncidentsIncidentId). GET .../incidents/unresolved lists the
// incidents not resolved, newest first (#operation/getPagesPageIdIncidentsUnresolved).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A Statuspage page, API key, metric ids and component as a deployment would set them (none is real). */
export const STATUSPAGE_PAGE_ID = "page01";
export const STATUSPAGE_API_KEY = "sp-key-0123456789abcdef";
export const STATUSPAGE_METRIC_IDS = {
  hostsTotal: "mtotal",
  running: "mrunning",
  unhealthy: "munhealthy",
  remediating: "mremediating",
  remediations: "mremediations",
};
export const STATUSPAGE_COMPONENT_ID = "cmp0fleet01";

/**
 * The service's environment for pushing to Statuspage at `url` (empty: the default);
 * with `componentId`, the component's status and incidents follow the fleet too.
 */
export function statuspageEnv(
  url: string,
  options: { componentId?: string } = {},
): Record<string, string> {
  return {
    HOST_MANAGER_STATUSPAGE_PAGE_ID: STATUSPAGE_PAGE_ID,
    HOST_MANAGER_STATUSPAGE_API_KEY: STATUSPAGE_API_KEY,
    HOST_MANAGER_STATUSPAGE_METRIC_IDS: JSON.stringify(STATUSPAGE_METRIC_IDS),
    HOST_MANAGER_STATUSPAGE_URL: url,
    ...(options.componentId ? { HOST_MANAGER_STATUSPAGE_COMPONENT_ID: options.componentId } : {}),
  };
}

export const COMPONENT_STATUSES = [
  "operational",
  "under_maintenance",
  "degraded_performance",
  "partial_outage",
  "major_outage",
];
export const INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved"];

/**
 * `lost`: a write (POST, PATCH) is carried out, and then answered 504, as a gateway that
 * timed out waiting for it would (the caller cannot know it took effect); reads answer.
 */
export type FakeMode = "ok" | "fail" | "reject" | "hang" | "lost";

export interface RecordedPush {
  /** Date.now() when the request arrived. */
  at: number;
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
  /** What the fake answered (undefined while hanging). */
  status?: number;
}

export interface FakeIncident {
  id: string;
  name: string;
  status: string;
  body: string;
  componentIds: string[];
}

export interface FakeStatuspage {
  url: string;
  /** Every request, in order of arrival (metrics batches, component and incident calls). */
  pushes: RecordedPush[];
  /** What the next requests get; `fail` is a 503, `reject` a 400, `hang` never answers, `lost` see FakeMode. */
  mode: FakeMode;
  /** The page's components and their status; starts with STATUSPAGE_COMPONENT_ID operational. */
  components: Map<string, string>;
  incidents: Map<string, FakeIncident>;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves once `check` holds after a request was answered. */
  waitUntil(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown };

const error = (status: number, message: string): Answer => ({ status, body: { error: message } });

export async function startFakeStatuspage(): Promise<FakeStatuspage> {
  const hanging: ServerResponse[] = [];
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  let nextIncident = 1;
  const wake = () => {
    for (const waiter of waiters.filter((w) => w.check())) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const fake: FakeStatuspage = {
    url: "",
    pushes: [],
    mode: "ok",
    components: new Map([[STATUSPAGE_COMPONENT_ID, "operational"]]),
    incidents: new Map(),
    waitFor(count, timeoutMs = 10_000) {
      return fake
        .waitUntil(() => fake.pushes.length >= count, timeoutMs)
        .catch(() => {
          throw new Error(`fake statuspage: ${fake.pushes.length}/${count} requests`);
        });
    },
    waitUntil(check, timeoutMs = 10_000) {
      if (check()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error("fake statuspage: condition not met in time"));
        }, timeoutMs);
        const waiter = {
          check,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        waiters.push(waiter);
      });
    },
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  /** What the real API would answer to an authenticated request on our page. */
  function route(method: string, rest: string, body: unknown): Answer {
    if (method === "POST" && rest === "/metrics/data") {
      const data = (body as { data?: unknown } | null)?.data;
      return data && typeof data === "object" ? { status: 201, body: {} } : error(400, "data");
    }
    const component = /^\/components\/([^/]+)$/.exec(rest);
    if (component && method === "PATCH") {
      const id = decodeURIComponent(component[1] as string);
      if (!fake.components.has(id)) return error(404, "component not found");
      const status = (body as { component?: { status?: unknown } } | null)?.component?.status;
      if (typeof status !== "string" || !COMPONENT_STATUSES.includes(status)) {
        return error(422, "component status is invalid");
      }
      fake.components.set(id, status);
      return { status: 200, body: { id, status } };
    }
    if (rest === "/incidents" && method === "POST") {
      const incident = (body as { incident?: Record<string, unknown> } | null)?.incident;
      if (!incident || typeof incident.name !== "string" || incident.name === "") {
        return error(422, "incident name is required");
      }
      const checked = checkIncident(incident);
      if ("status" in checked) return checked;
      const id = `inc${String(nextIncident++).padStart(8, "0")}`;
      const created: FakeIncident = {
        id,
        name: incident.name,
        status: checked.incidentStatus ?? "investigating",
        body: typeof incident.body === "string" ? incident.body : "",
        componentIds: checked.componentIds,
      };
      fake.incidents.set(id, created);
      for (const [cid, s] of checked.components) fake.components.set(cid, s);
      return { status: 201, body: incidentJson(created) };
    }
    if (rest === "/incidents/unresolved" && method === "GET") {
      const open = [...fake.incidents.values()].filter((i) => i.status !== "resolved");
      return { status: 200, body: open.reverse().map(incidentJson) };
    }
    const incident = /^\/incidents\/([^/]+)$/.exec(rest);
    if (incident && method === "PATCH") {
      const found = fake.incidents.get(decodeURIComponent(incident[1] as string));
      if (!found) return error(404, "incident not found");
      const fields = (body as { incident?: Record<string, unknown> } | null)?.incident;
      if (!fields) return error(422, "incident is required");
      const checked = checkIncident(fields);
      if ("status" in checked) return checked;
      if (checked.incidentStatus) found.status = checked.incidentStatus;
      for (const [cid, s] of checked.components) fake.components.set(cid, s);
      return { status: 200, body: incidentJson(found) };
    }
    return error(404, "not found");
  }

  function checkIncident(
    incident: Record<string, unknown>,
  ): Answer | { incidentStatus?: string; componentIds: string[]; components: [string, string][] } {
    const status = incident.status;
    if (
      status !== undefined &&
      (typeof status !== "string" || !INCIDENT_STATUSES.includes(status))
    ) {
      return error(422, "incident status is invalid");
    }
    const ids = incident.component_ids ?? [];
    if (
      !Array.isArray(ids) ||
      ids.some((id) => typeof id !== "string" || !fake.components.has(id))
    ) {
      return error(422, "component_ids names an unknown component");
    }
    const map = incident.components ?? {};
    if (typeof map !== "object" || map === null) return error(422, "components is invalid");
    const components = Object.entries(map as Record<string, unknown>);
    for (const [id, s] of components) {
      if (!fake.components.has(id)) return error(422, "components names an unknown component");
      if (typeof s !== "string" || !COMPONENT_STATUSES.includes(s)) {
        return error(422, "component status is invalid");
      }
    }
    return {
      ...(typeof status === "string" ? { incidentStatus: status } : {}),
      componentIds: ids as string[],
      components: components as [string, string][],
    };
  }

  function incidentJson(incident: FakeIncident) {
    return {
      id: incident.id,
      name: incident.name,
      status: incident.status,
      components: incident.componentIds.map((id) => ({ id, status: fake.components.get(id) })),
    };
  }

  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      let isJson = true;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text: the test will say the body was not JSON
        isJson = false;
      }
      const recorded: RecordedPush = {
        at,
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
      };
      fake.pushes.push(recorded);
      wake();
      if (fake.mode === "hang") {
        hanging.push(res);
        return;
      }
      let answer: Answer;
      const page = /^\/v1\/pages\/([^/]+)(\/.*)$/.exec(req.url ?? "");
      if (fake.mode === "fail") answer = error(503, "fake");
      else if (fake.mode === "reject") answer = error(400, "fake");
      else if (req.headers.authorization !== `OAuth ${STATUSPAGE_API_KEY}`) {
        answer = error(401, "Could not authenticate");
      } else if (!page || page[1] !== STATUSPAGE_PAGE_ID) answer = error(404, "page not found");
      else if (
        req.method !== "GET" &&
        (!isJson || !/^application\/json/.test(req.headers["content-type"] ?? ""))
      ) {
        answer = error(400, "the body must be JSON, as its Content-Type says");
      } else answer = route(req.method ?? "", page[2] as string, body);
      if (fake.mode === "lost" && req.method !== "GET") answer = error(504, "gateway timeout");
      recorded.status = answer.status;
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(JSON.stringify(answer.body));
      wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
