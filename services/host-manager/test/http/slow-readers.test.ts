// Issue 17: six clients that requested the heavy reads and then read slowly held the
// service's RSS at 2.8 GB. The real entry point in its own process (so its RSS is the
// service's alone), over HTTPS as deployed, at 20,000 simulated hosts: 160 readers ask for
// the status page, the largest body the service sends (2 MB), and then read nothing. Sent
// in slices of the one shared Buffer (src/http/shared-body.ts), each costs the service
// about a slice at a time: 0.08-0.1 MB a reader here. Written whole, as before, the page
// is encoded and encrypted for every reader at once: 2.1 MB a reader, 340 MB in all.
// (Loopback's socket buffers, up to 4 MB a connection, take in the rest of the page here;
// a reader that stalls a larger body is closed by the idle timeout, see server.ts.)
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { connect, type TLSSocket } from "node:tls";
import { SLICE_BYTES } from "../../src/http/shared-body";
import { startChild, waitForExit, type Child } from "../support/child";
import { addViewer, tempDir, TOKEN, VIEWER } from "../support/fixtures";
import { createTestCa, issueServerCertificate } from "../support/test-ca";

const HOSTS = 20_000;
/** 10 from each of 16 addresses: under the heavy-read and per-address limits. */
const READERS = 160;
const PER_ADDRESS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:")) as string;
  return Number(line.split(/\s+/)[1]) / 1024;
}

jest.setTimeout(120_000);

describe("slow readers", () => {
  const dir = tempDir();
  let child: Child;
  let caPem: string;
  let port: number;
  const readers: TLSSocket[] = [];

  beforeAll(async () => {
    addViewer(dir.path);
    const ca = await createTestCa("slow-readers test CA");
    const tls = await issueServerCertificate(ca, {
      dnsNames: ["localhost"],
      ipAddresses: ["127.0.0.1"],
    });
    caPem = ca.certPem;
    child = await startChild(
      {
        HOST_MANAGER_DATA_DIR: dir.path,
        HOST_MANAGER_TOKEN: TOKEN,
        HOST_MANAGER_PORT: "0",
        HOST_MANAGER_SIM_HOSTS: String(HOSTS),
        HOST_MANAGER_LOG_LEVEL: "info",
        HOST_MANAGER_SCHEDULE: "0 0 0 1 1 *",
        HOST_MANAGER_TLS_CERT_PEM: tls.certPem,
        HOST_MANAGER_TLS_KEY_PEM: tls.keyPem,
        HOST_MANAGER_FLEET_TOKEN_FALLBACK: "true",
      },
      60_000,
    );
    port = Number(new URL(child.url).port);
  });

  afterAll(async () => {
    for (const reader of readers) reader.destroy();
    if (child) {
      child.process.kill("SIGTERM");
      await waitForExit(child.process);
    }
    dir.remove();
  });

  /** The status page, read whole: its size. */
  const readPage = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        { host: "127.0.0.1", port, path: "/", ca: caPem, servername: "localhost" },
        (res) => {
          let bytes = 0;
          res.on("data", (chunk: Buffer) => (bytes += chunk.length));
          res.on("end", () =>
            res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${res.statusCode}`)),
          );
        },
      );
      req.setHeader("authorization", `Bearer ${VIEWER.token}`);
      req.on("error", reject);
      req.end();
    });

  /** Asks for the page from `address`, then reads nothing; resolves once it has asked. */
  const stall = (address: string) =>
    new Promise<void>((resolve, reject) => {
      const tcp = netConnect({ host: "127.0.0.1", port, localAddress: address });
      const socket = connect({ socket: tcp, ca: caPem, servername: "localhost" });
      readers.push(socket);
      socket.on("error", () => undefined);
      socket.once("secureConnect", () => {
        socket.write(
          `GET / HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${VIEWER.token}\r\n\r\n`,
        );
        socket.pause();
        resolve();
      });
      socket.once("close", () => reject(new Error(`closed before it asked (${address})`)));
    });

  it("costs the service about a slice per stalled reader, not a copy of the page", async () => {
    const pageBytes = await readPage();
    // Large enough that a copy per reader shows: many slices, more than loopback's socket
    // buffers take in.
    expect(pageBytes).toBeGreaterThan(20 * SLICE_BYTES);
    await readPage();
    await sleep(500);
    const before = rssMb(child.process.pid as number);

    const asked = Array.from({ length: READERS }, (_, i) =>
      stall(`127.0.9.${10 + Math.floor(i / PER_ADDRESS)}`),
    );
    await Promise.all(asked);
    let peak = before;
    for (let i = 0; i < 12; i++) {
      await sleep(250);
      peak = Math.max(peak, rssMb(child.process.pid as number));
    }
    const perReaderMb = (peak - before) / READERS;
    // Written whole: 2.1 MB a reader, the page's size.
    expect(perReaderMb).toBeLessThan(0.2);
    expect(pageBytes / 1e6).toBeGreaterThan(1);

    // And the service still answers.
    expect(await readPage()).toBe(pageBytes);
  });
});
