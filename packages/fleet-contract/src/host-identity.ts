// How a host proves which ECS instance it is and gets its own credential (issue 15):
// the routes, the metadata service paths the host reads, and the bodies both sides
// exchange. The host scripts (HpcFleet) call these; the host-manager serves them.
//
// The metadata paths and headers are Alibaba's, from "Use instance identities"
// (https://www.alibabacloud.com/help/en/ecs/user-guide/use-instance-identities) and
// "Instance metadata: hardened mode" (access in security-hardening mode); the
// helpers that build on this file check them against those pages and correct them
// here, in one place.
import { z } from "zod";

/** The host asks for a one-time challenge here (no credential yet): POST, no body. */
export const REGISTER_CHALLENGE_PATH = "/rpc/v1/register/challenge";
/** The host sends its identity document and signature here, with the challenge: POST, JSON. */
export const REGISTER_PATH = "/rpc/v1/register";

/** Every per-host credential starts with this, so a leaked one is recognisable. */
export const HOST_CREDENTIAL_PREFIX = "hmh_";
/** A challenge is good for one registration within this many seconds. */
export const CHALLENGE_TTL_SECONDS = 120;

/** The ECS metadata service, reachable only from the instance itself. */
export const METADATA_ORIGIN = "http://100.100.100.200";
export const METADATA_IDENTITY_DOCUMENT_PATH = "/latest/dynamic/instance-identity/document";
/**
 * Takes `?audience=<challenge>`: the signature then covers the challenge too. What it
 * signs is the document with `,"audience":"<challenge>"` added before its closing brace
 * (the page's Chinese edition, https://help.aliyun.com/document_detail/67254.html: the
 * verifier appends `"audience":"<value>"` to the document, comma-separated). The host
 * sends the document as fetched, without the audience; the host-manager adds it.
 * The document's fields: owner-account-id (account-id in older documents), instance-id,
 * region-id, zone-id, private-ipv4 (private-ip), mac, serial-number, instance-type, image-id.
 */
export const METADATA_IDENTITY_PKCS7_PATH = "/latest/dynamic/instance-identity/pkcs7";
/** Hardened mode: PUT here with the TTL header for a token, then send it on every GET. */
export const METADATA_TOKEN_PATH = "/latest/api/token";
export const METADATA_TOKEN_TTL_HEADER = "X-aliyun-ecs-metadata-token-ttl-seconds";
export const METADATA_TOKEN_HEADER = "X-aliyun-ecs-metadata-token";

const challengePattern = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url, no padding
const instanceIdPattern = /^i-[A-Za-z0-9-]{1,60}$/;
const MAX_DOCUMENT_CHARS = 4096;
const MAX_SIGNATURE_CHARS = 16384;

export const challengeResponseSchema = z.object({
  challenge: z.string().regex(challengePattern, "must be 32 bytes of base64url"),
  expiresInSeconds: z.number().int().min(1).max(CHALLENGE_TTL_SECONDS),
});
export type ChallengeResponse = z.infer<typeof challengeResponseSchema>;

export const registerRequestSchema = z.object({
  instanceId: z.string().regex(instanceIdPattern, "must look like i-xxxxxxxx"),
  /** The document exactly as the metadata service returned it (JSON text). */
  document: z.string().min(2).max(MAX_DOCUMENT_CHARS),
  /** The PKCS#7 signature exactly as the metadata service returned it (base64). */
  signature: z.string().min(16).max(MAX_SIGNATURE_CHARS),
  challenge: z.string().regex(challengePattern, "must be 32 bytes of base64url"),
});
export type RegisterRequest = z.infer<typeof registerRequestSchema>;

export const registerResponseSchema = z.object({
  instanceId: z.string().regex(instanceIdPattern),
  /** Sent as `Authorization: Bearer <credential>` on every report; a secret. */
  credential: z.string().startsWith(HOST_CREDENTIAL_PREFIX),
});
export type RegisterResponse = z.infer<typeof registerResponseSchema>;
