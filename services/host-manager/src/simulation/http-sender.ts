// How a simulated host sends its report: over real HTTP to the service's report route,
// from its own private IP (a loopback alias, see simLoopbackIp) so the report-origin
// check (http/api/routes.ts) holds it to the same rule as a real host. One connection per
// report, as a host's PowerShell script that reports once a minute opens.
import { createServer } from "node:net";
import { request } from "node:http";
import { REPORT_PATH } from "@hpc-fleet/fleet-contract";
import type { ReportSender } from "./fleet-simulator";

export interface SenderOptions {
  /** The service's base URL (http://127.0.0.1:PORT). */
  readonly baseUrl: string;
  readonly token: string;
  /** Bind each request to the host's privateIp; false: from this machine's default address. */
  readonly fromOwnAddress: boolean;
  readonly timeoutMs?: number;
}

export function httpReportSender(options: SenderOptions): ReportSender {
  const url = new URL(REPORT_PATH, options.baseUrl);
  return (report) =>
    new Promise<number>((resolve) => {
      const body = JSON.stringify(report);
      const req = request(url, {
        method: "POST",
        agent: false,
        headers: {
          authorization: `Bearer ${options.token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
        ...(options.fromOwnAddress ? { localAddress: report.privateIp } : {}),
        timeout: options.timeoutMs ?? 10_000,
      });
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(0));
      req.end(body);
    });
}

/**
 * Whether this machine answers on loopback aliases such as 127.1.0.4 (Linux routes all
 * of 127.0.0.0/8 to lo; macOS has only 127.0.0.1 unless aliases are added).
 */
export function canSendFromLoopbackAliases(address = "127.1.0.4"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(0, address, () => server.close(() => resolve(true)));
  });
}
