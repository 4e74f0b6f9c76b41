// Issue 17: 1,224 idle unauthenticated sockets made every report fail. With real
// sockets on loopback (aliases 127.0.0.2-7 stand for other clients; a few hundred
// sockets, all closed at the end): one address holds at most its share, silent sockets
// are closed after the idle timeout and trickling ones after the header timeout, the
// total stays under the cap, and reports go on.
import { connect, type Socket } from "node:net";
import { DEFAULT_CONNECTION_LIMITS } from "../../src/http/server";
import { report } from "../support/fixtures";
import { rawRequest } from "../support/http";
import { startTestService, type TestService } from "../support/service";
import { until } from "../support/until";

/** How long a socket the server closes may take to look closed here on a loaded machine. */
const SETTLE_MS = 5_000;

describe("socket limits", () => {
  let t: TestService;
  let url: string;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await t.close();
  });

  const start = async (connectionLimits: Parameters<typeof startTestService>[0] = {}) => {
    t = await startTestService(connectionLimits);
    url = await t.listen();
  };
  /** Opens `count` sockets from `from` that never send a byte; resolves once each is up. */
  const idle = async (count: number, from: string) => {
    const { port } = new URL(url);
    const opened = Array.from({ length: count }, () => {
      const socket = connect({ host: "127.0.0.1", port: Number(port), localAddress: from });
      socket.on("error", () => undefined);
      sockets.push(socket);
      return new Promise<void>((resolve) => {
        socket.once("connect", () => resolve());
        socket.once("close", () => resolve());
      });
    });
    await Promise.all(opened);
  };
  const stillOpen = () => sockets.filter((s) => !s.destroyed && s.readyState === "open").length;
  const postReport = () =>
    rawRequest(`${url}/rpc/v1/status`, {
      method: "POST",
      headers: { ...t.auth, "content-type": "application/json" },
      body: JSON.stringify(report("i-sim-0001")),
    });

  it("holds at most maxConnectionsPerAddress idle sockets from one address", async () => {
    await start({
      service: { connectionLimits: { maxConnectionsPerAddress: 50, maxConnections: 200 } },
    });
    await idle(300, "127.0.0.2");
    const open = await until(stillOpen, (n) => n <= 50, SETTLE_MS);
    expect(open).toBeLessThanOrEqual(50);
    expect(open).toBeGreaterThan(0);
    expect((await postReport()).status).toBe(200);
  });

  it("closes sockets that send nothing after the idle timeout", async () => {
    await start({ service: { connectionLimits: { idleTimeoutMs: 500 } } });
    await idle(100, "127.0.0.3");
    expect(stillOpen()).toBe(100);
    expect(await until(stillOpen, (n) => n === 0, SETTLE_MS)).toBe(0);
  });

  it("closes sockets that trickle their headers after the header timeout", async () => {
    await start({
      service: { connectionLimits: { headersTimeoutMs: 800, timeoutCheckIntervalMs: 100 } },
    });
    await idle(20, "127.0.0.4");
    for (const socket of sockets) socket.write("POST /rpc/v1/status HTTP/1.1\r\nX-Slow: ");
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write("a");
    }, 100);
    try {
      expect(await until(stillOpen, (n) => n === 0, SETTLE_MS)).toBe(0);
    } finally {
      clearInterval(trickle);
    }
  });

  it("keeps the total under maxConnections, and answers reports once idle ones time out", async () => {
    await start({
      service: {
        connectionLimits: {
          maxConnections: 200,
          maxConnectionsPerAddress: 60,
          idleTimeoutMs: 500,
        },
      },
    });
    for (const n of [2, 3, 4, 5, 6]) await idle(50, `127.0.0.${n}`);
    expect(await until(stillOpen, (n) => n <= 200, SETTLE_MS)).toBeLessThanOrEqual(200);
    await until(stillOpen, (n) => n === 0, SETTLE_MS);
    expect((await postReport()).status).toBe(200);
  });

  it("defaults to limits fit for 10,000 hosts", async () => {
    await start();
    const server = t.service.app.server;
    expect(server.maxConnections).toBe(DEFAULT_CONNECTION_LIMITS.maxConnections);
    expect(server.headersTimeout).toBe(10_000);
    expect(server.timeout).toBe(10_000);
    expect(server.requestTimeout).toBe(15_000);
    expect(server.keepAliveTimeout).toBe(5_000);
  });
});
