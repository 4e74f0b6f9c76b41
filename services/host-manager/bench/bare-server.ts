// The baseline: a bare Node HTTPS server (the same certificate as the service's, from
// BENCH_TLS_CERT_PEM and BENCH_TLS_KEY_PEM) that parses the same JSON and answers 200, and
// answers the pollers' reads (GET) with bodies as large as the service's (a page of 500
// hosts, the status page), prepared once: the transfer without the work.
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";

const HOSTS_PAGES = 20;
/** About the size of one of the service's host views. */
const HOST = JSON.stringify({ instanceId: "i-sim-0000", padding: "x".repeat(700) });
const hostsPage = (page: number) =>
  `{"count":500,"hosts":[${Array.from({ length: 500 }, () => HOST).join(",")}],"nextCursor":${
    page + 1 < HOSTS_PAGES ? `"p${page + 1}"` : "null"
  }}`;
const HOSTS_BODIES = Array.from({ length: HOSTS_PAGES }, (_, page) => hostsPage(page));
const STATUS_PAGE = `<!doctype html><table>${"<tr><td>i-sim-0000</td></tr>".repeat(500)}${"x".repeat(250_000)}</table>`;

const tls = { cert: process.env.BENCH_TLS_CERT_PEM, key: process.env.BENCH_TLS_KEY_PEM };
const server = createServer(tls, (req, res) => {
  if (req.method === "GET") {
    const url = new URL(req.url ?? "/", "http://bare");
    const cursor = url.searchParams.get("cursor");
    const body =
      url.pathname === "/api/v1/hosts"
        ? HOSTS_BODIES[cursor ? Number(cursor.slice(1)) : 0]
        : STATUS_PAGE;
    res.writeHead(200, { "content-type": url.pathname === "/" ? "text/html" : "application/json" });
    res.end(body);
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    } catch {
      res.writeHead(400);
      res.end();
    }
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening https://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
