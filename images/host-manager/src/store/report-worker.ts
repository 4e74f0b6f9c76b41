// Worker thread that commits batches of host reports on its own connection, so
// the fsync of a durable commit never blocks the HTTP event loop.
import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "./database";
import { HostStore } from "./hosts";
import type { HostReport } from "./types";

export interface BatchRequest {
  id: number;
  now: number;
  /** JSON of HostReport[]: one string copies across threads much faster than a cloned object graph. */
  reports: string;
}

export type BatchResponse =
  { id: number; outcomes: ReturnType<HostStore["applyReports"]> } | { id: number; error: string };

if (parentPort) {
  const port = parentPort;
  const store = new HostStore(openDatabase((workerData as { dataDir: string }).dataDir));
  port.on("message", (request: BatchRequest | "close") => {
    if (request === "close") {
      store.db.close();
      port.close();
      return;
    }
    let response: BatchResponse;
    try {
      response = {
        id: request.id,
        outcomes: store.applyReports(JSON.parse(request.reports) as HostReport[], request.now),
      };
    } catch (error) {
      response = { id: request.id, error: String(error) };
    }
    port.postMessage(response);
  });
}
