// TLS between hosts and the host-manager (issue 15): with a certificate from the stack's
// private CA the service serves HTTPS on its port, a client trusting only that CA
// completes the handshake, and one that does not (the system's CAs, or another CA) fails.
import { request } from "node:https";
import { startTestService, type TestService } from "../support/service";
import { createTestCa, issueServerCertificate, type TestCa } from "../support/test-ca";

/** GET `path` over HTTPS to the service as `host`, trusting `ca` only (or the system's CAs). */
function get(
  port: number,
  path: string,
  options: { ca?: string; servername: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        servername: options.servername,
        headers: { host: options.servername },
        ...(options.ca ? { ca: options.ca } : {}),
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("the host-manager over TLS", () => {
  let stackCa: TestCa;
  let otherCa: TestCa;
  let t: TestService;
  let port: number;
  // As the stack's certificate names it: the private DNS name the hosts resolve.
  const DNS_NAME = "host-manager.hpc-fleet.internal";

  beforeAll(async () => {
    [stackCa, otherCa] = await Promise.all([
      createTestCa("hpc-fleet test host-manager CA"),
      createTestCa("Another CA"),
    ]);
    const server = await issueServerCertificate(stackCa, { dnsNames: [DNS_NAME] });
    t = await startTestService({
      env: { HOST_MANAGER_TLS_CERT_PEM: server.certPem, HOST_MANAGER_TLS_KEY_PEM: server.keyPem },
    });
    const url = await t.listen();
    expect(url).toMatch(/^https:\/\//);
    port = Number(new URL(url).port);
  });
  afterAll(async () => {
    await t.close();
  });

  test("a client that trusts only the stack's CA completes the handshake for the DNS name", async () => {
    const response = await get(port, "/healthz", { ca: stackCa.certPem, servername: DNS_NAME });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ ok: true });
  });

  test("a client without the CA refuses the certificate", async () => {
    await expect(get(port, "/healthz", { servername: DNS_NAME })).rejects.toThrow(
      /certificate|self.signed|issuer/i,
    );
  });

  test("a client trusting another CA refuses it", async () => {
    await expect(
      get(port, "/healthz", { ca: otherCa.certPem, servername: DNS_NAME }),
    ).rejects.toThrow(/certificate|issuer/i);
  });

  test("a client asking for another name refuses it", async () => {
    await expect(
      get(port, "/healthz", { ca: stackCa.certPem, servername: "other.hpc-fleet.internal" }),
    ).rejects.toThrow(/altnames|does not match/i);
  });

  test("plain HTTP on the port gets no answer it could read as the service's", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status,
      () => "refused",
    );
    expect(response).not.toBe(200);
  });
});
