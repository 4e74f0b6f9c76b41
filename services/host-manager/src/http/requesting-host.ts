// Which instance a host's request comes from: the one place the task routes learn it.
// A host that registered (issue 15) is the instance its own credential belongs to (the
// server's auth hook set request.reporter); while the fleet token's fallback is on, a
// holder of that token names its instance in the X-Instance-Id header. Either way the
// request is taken only from that instance's own private address (its reported one, else
// the scaling group's), or from loopback for the simulated cloud, as reports are.
import type { FastifyRequest } from "fastify";
import type { HostRecord } from "../domain/host";
import { isLoopback, peerAddress } from "./peer";

export const INSTANCE_HEADER = "x-instance-id";

export type RequestingHost =
  { readonly instanceId: string } | { readonly error: string; readonly status: 400 | 403 };

export type IdentifyHost = (request: FastifyRequest) => RequestingHost;

export function makeHostIdentifier(deps: {
  readonly hosts: { get(instanceId: string): HostRecord | undefined };
  /** The simulated cloud's hosts do not exist: accept loopback for any of them. */
  readonly loopbackReports: boolean;
}): IdentifyHost {
  return (request) => {
    const reporter = request.reporter;
    const claimed =
      reporter?.kind === "host" ? reporter.instanceId : request.headers[INSTANCE_HEADER];
    if (typeof claimed !== "string" || !/^[\x21-\x7e]{1,128}$/.test(claimed)) {
      return { status: 400, error: `the ${INSTANCE_HEADER} header must name the instance` };
    }
    const host = deps.hosts.get(claimed);
    if (!host || host.archivedAt !== null) {
      return { status: 403, error: "instance is not in the fleet" };
    }
    const peer = peerAddress(request.socket);
    const own = host.privateIp ?? host.cloudPrivateIp;
    if (peer !== own && !(deps.loopbackReports && isLoopback(peer))) {
      return {
        status: 403,
        error: "the request does not come from the instance's private address",
      };
    }
    return { instanceId: host.instanceId };
  };
}
