// Verifies an ECS instance identity: the PKCS#7 (CMS SignedData) signature the metadata
// service returns for `?audience=<challenge>`, over the document with that audience, by
// Alibaba's signing certificate. Parsing and the signature check are pkijs's (RFC 5652);
// nothing here reads ASN.1 by hand.
//
// What is signed, from "Use instance identities"
// (https://www.alibabacloud.com/help/en/ecs/user-guide/use-instance-identities, and its
// Chinese page https://help.aliyun.com/document_detail/67254.html): with an audience,
// the verifier adds `"audience":"<value>"` to the end of the document, after a comma,
// and checks the signature over that (`openssl smime -verify -in <signature> -inform PEM
// -content <document> -certfile <Alibaba's certificate> -noverify`). The document's
// fields: owner-account-id (account-id in older documents), instance-id, region-id,
// private-ipv4 (private-ip), zone-id, mac, serial-number, instance-type, image-id.
import * as asn1js from "asn1js";
import { webcrypto } from "node:crypto";
import * as pkijs from "pkijs";

type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]["crypto"];
const engine = new pkijs.CryptoEngine({
  name: "node",
  crypto: webcrypto as unknown as EngineCrypto,
});

/** Why an identity was refused; the message is safe to return to the caller. */
export class IdentityError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    message: string,
  ) {
    super(message);
    this.name = "IdentityError";
  }
}

/** What registration reads from a verified document. */
export interface IdentityDocument {
  readonly accountId: string;
  readonly instanceId: string;
  readonly regionId: string;
  readonly privateIp: string | null;
}

/** The bytes the metadata service signs for `document` with `audience`. */
export function signedContent(document: string, audience: string): Buffer {
  const body = document.trimEnd();
  if (!body.endsWith("}")) throw new IdentityError(400, "the document is not a JSON object");
  return Buffer.from(`${body.slice(0, -1)},"audience":"${audience}"}`, "utf8");
}

/** The DER of a PEM block (or of bare base64, as the metadata service sends a signature). */
function derOf(text: string): ArrayBuffer {
  const base64 = text.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new IdentityError(400, "the signature is not base64");
  }
  const der = Buffer.from(base64, "base64");
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

/** Parses a PEM certificate: the one identities must be signed by. */
export function parseSigningCertificate(pem: string): pkijs.Certificate {
  return pkijs.Certificate.fromBER(derOf(pem));
}

function signedDataOf(signature: string): pkijs.SignedData {
  try {
    const asn1 = asn1js.fromBER(derOf(signature));
    if (asn1.offset === -1) throw new Error(asn1.result.error);
    const info = new pkijs.ContentInfo({ schema: asn1.result });
    if (info.contentType !== pkijs.ContentInfo.SIGNED_DATA) throw new Error("not SignedData");
    return new pkijs.SignedData({ schema: info.content });
  } catch (error) {
    if (error instanceof IdentityError) throw error;
    throw new IdentityError(400, "the signature is not a PKCS#7 SignedData");
  }
}

/**
 * Checks that `signature` is `signer`'s over `document` with `audience`, and returns the
 * document's fields. Only `signer` is considered: certificates the signature carries
 * are dropped first, so a signature by any other key (with its own certificate attached)
 * fails.
 */
export async function verifyIdentity(
  document: string,
  signature: string,
  audience: string,
  signer: pkijs.Certificate,
): Promise<IdentityDocument> {
  const content = signedContent(document, audience);
  const signed = signedDataOf(signature);
  if (signed.signerInfos.length !== 1) {
    throw new IdentityError(401, "the signature must have exactly one signer");
  }
  // Content carried in the signature must be exactly the document with the audience.
  const carried = signed.encapContentInfo.eContent;
  if (carried && !Buffer.from(carried.getValue()).equals(content)) {
    throw new IdentityError(401, "the signature is over another document or audience");
  }
  signed.certificates = [signer];
  let verified: boolean;
  try {
    verified = await signed.verify(
      { signer: 0, data: new Uint8Array(content).buffer, checkChain: false },
      engine,
    );
  } catch {
    verified = false;
  }
  if (!verified) {
    throw new IdentityError(401, "the signature does not verify with the signing certificate");
  }
  return parseDocument(document);
}

function parseDocument(document: string): IdentityDocument {
  let value: unknown;
  try {
    value = JSON.parse(document);
  } catch {
    throw new IdentityError(400, "the document is not JSON");
  }
  const fields = (value ?? {}) as Record<string, unknown>;
  const text = (...keys: string[]) => {
    for (const key of keys) if (typeof fields[key] === "string") return fields[key];
    return undefined;
  };
  const accountId = text("owner-account-id", "account-id");
  const instanceId = text("instance-id");
  const regionId = text("region-id");
  if (!accountId || !instanceId || !regionId) {
    throw new IdentityError(400, "the document lacks its account, instance or region");
  }
  return { accountId, instanceId, regionId, privateIp: text("private-ipv4", "private-ip") ?? null };
}
