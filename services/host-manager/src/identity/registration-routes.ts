// Registration by instance identity (issue 15). A host asks for a challenge, has the
// metadata service sign its identity document with the challenge as audience, and sends
// both; it gets a credential of its own, bound to its instance id, which every report
// then carries. Both routes are public (a host has no credential yet) and rate-limited
// per source address; what makes a registration good is the signature, checked here.
import {
  CHALLENGE_TTL_SECONDS,
  REGISTER_CHALLENGE_PATH,
  REGISTER_PATH,
  registerRequestSchema,
  type ChallengeResponse,
  type RegisterResponse,
} from "@hpc-fleet/fleet-contract";
import type { FastifyPluginAsync } from "fastify";
import type { Logger } from "pino";
import type { Certificate } from "pkijs";
import { newChallenge, type HostCredentialStore } from "../adapters/storage/host-credentials";
import type { Clock } from "../clock";
import { peerAddress } from "../http/peer";
import type { WindowLimiter } from "../http/rate-limit";
import { tooManyRequests } from "../http/server";
import { IdentityError, verifyIdentity } from "./signed-document";

/** What a registration is checked against; any missing, registration is refused (503). */
export interface RegistrationTrust {
  readonly signer?: Certificate;
  readonly accountId?: string;
  readonly region?: string;
}

export interface RegistrationDeps {
  readonly credentials: Pick<HostCredentialStore, "addChallenge" | "consumeChallenge" | "issue">;
  readonly trust: RegistrationTrust;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Requests to either route, per source address. */
  readonly limiter: WindowLimiter;
  /**
   * Whether the instance is in this stack's scaling group now: the registry, refreshed
   * from the cloud when it does not know the instance (a new host usually).
   */
  readonly inGroup: (instanceId: string) => Promise<boolean>;
}

export const registrationRoutes: FastifyPluginAsync<RegistrationDeps> = async (app, deps) => {
  const { signer, accountId, region } = deps.trust;
  const ready = signer !== undefined && accountId !== undefined && region !== undefined;

  app.post(REGISTER_CHALLENGE_PATH, { config: { auth: "none" } }, async (request, reply) => {
    const address = peerAddress(request.socket);
    if (!deps.limiter.take(address)) return tooManyRequests(reply, deps.limiter, address);
    if (!ready) return reply.code(503).send({ error: "registration is not configured" });
    const challenge = newChallenge();
    const now = deps.clock.now();
    deps.credentials.addChallenge(challenge, address, now + CHALLENGE_TTL_SECONDS * 1000, now);
    const body: ChallengeResponse = { challenge, expiresInSeconds: CHALLENGE_TTL_SECONDS };
    return body;
  });

  app.post(REGISTER_PATH, { config: { auth: "none" } }, async (request, reply) => {
    const address = peerAddress(request.socket);
    if (!deps.limiter.take(address)) return tooManyRequests(reply, deps.limiter, address);
    if (signer === undefined || accountId === undefined || region === undefined) {
      return reply.code(503).send({ error: "registration is not configured" });
    }
    const parsed = registerRequestSchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return reply.code(400).send({
        error: "invalid registration",
        field: issue?.path.join("."),
        message: issue?.message,
      });
    }
    const body = parsed.data;
    const refuse = (status: number, error: string) => {
      deps.logger.warn({ address, instanceId: body.instanceId, error }, "registration refused");
      return reply.code(status).send({ error });
    };
    // Used up whatever follows: a challenge is tried once, so a captured one is worth nothing.
    if (!deps.credentials.consumeChallenge(body.challenge, deps.clock.now())) {
      return refuse(401, "the challenge is unknown, used or expired");
    }
    let document;
    try {
      document = await verifyIdentity(body.document, body.signature, body.challenge, signer);
    } catch (error) {
      if (error instanceof IdentityError) return refuse(error.status, error.message);
      throw error;
    }
    if (document.accountId !== accountId) return refuse(403, "the instance is in another account");
    if (document.regionId !== region) return refuse(403, "the instance is in another region");
    if (document.instanceId !== body.instanceId) {
      return refuse(403, "the document is another instance's");
    }
    if (!(await deps.inGroup(document.instanceId))) {
      return refuse(403, "the instance is not in this stack's scaling group");
    }
    const credential = deps.credentials.issue(document.instanceId, deps.clock.now());
    deps.logger.info({ instanceId: document.instanceId, address }, "host registered");
    const response: RegisterResponse = { instanceId: document.instanceId, credential };
    return response;
  });
};
