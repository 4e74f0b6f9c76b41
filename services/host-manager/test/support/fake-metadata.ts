// A local ECS metadata service for one instance, on a real socket: its identity document,
// and the PKCS#7 signature over it (with `?audience=`) by a test CA standing in for
// Alibaba's signing certificate. Modelled on "Use instance identities"
// (https://www.alibabacloud.com/help/en/ecs/user-guide/use-instance-identities) and the
// hardened mode of "Instance metadata" (a token from PUT /latest/api/token with the TTL
// header, 1 to 21600 seconds, refused when X-Forwarded-For is sent; then sent on every
// GET). As the real one in hardened mode, it refuses a GET without a valid token.
import {
  METADATA_IDENTITY_DOCUMENT_PATH,
  METADATA_IDENTITY_PKCS7_PATH,
  METADATA_TOKEN_HEADER,
  METADATA_TOKEN_PATH,
  METADATA_TOKEN_TTL_HEADER,
} from "@hpc-fleet/fleet-contract";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { signedContent } from "../../src/identity/signed-document";
import { signAsMetadataService, type TestCa } from "./test-ca";

export interface FakeInstance {
  readonly instanceId: string;
  readonly accountId: string;
  readonly regionId: string;
  readonly privateIp: string;
}

/** The document as the metadata service writes it: one line of JSON, its fields in its order. */
export function identityDocument(instance: FakeInstance): string {
  return JSON.stringify({
    "zone-id": `${instance.regionId}-h`,
    "serial-number": "8e794d59-a809-453b-8f5a-9d0a0b29660a",
    "instance-id": instance.instanceId,
    "region-id": instance.regionId,
    "private-ipv4": instance.privateIp,
    "owner-account-id": instance.accountId,
    mac: "00:16:3e:13:9a:81",
    "image-id": "win2022_21H2_x64_dtc_en-us_40G_alibase_20250101.vhd",
    "instance-type": "ecs.g7.2xlarge",
  });
}

export interface FakeMetadata {
  readonly url: string;
  close(): Promise<void>;
}

export async function startFakeMetadata(
  instance: FakeInstance,
  signer: TestCa,
): Promise<FakeMetadata> {
  const tokens = new Map<string, number>();
  const document = identityDocument(instance);
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://metadata");
    const send = (status: number, body: string) => {
      response.writeHead(status, { "content-type": "text/plain" }).end(body);
    };
    if (url.pathname === METADATA_TOKEN_PATH) {
      const ttl = Number(request.headers[METADATA_TOKEN_TTL_HEADER.toLowerCase()]);
      if (request.method !== "PUT") return send(405, "");
      if (request.headers["x-forwarded-for"] !== undefined) return send(403, "");
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return send(400, "");
      const token = randomBytes(24).toString("base64url");
      tokens.set(token, Date.now() + ttl * 1000);
      return send(200, token);
    }
    const token = request.headers[METADATA_TOKEN_HEADER.toLowerCase()];
    const expiry = typeof token === "string" ? tokens.get(token) : undefined;
    if (request.method !== "GET") return send(405, "");
    if (expiry === undefined || expiry < Date.now()) return send(401, "");
    if (url.pathname === METADATA_IDENTITY_DOCUMENT_PATH) return send(200, document);
    if (url.pathname === METADATA_IDENTITY_PKCS7_PATH) {
      const audience = url.searchParams.get("audience");
      const content = audience === null ? Buffer.from(document) : signedContent(document, audience);
      signAsMetadataService(signer, content).then(
        (signature) => send(200, signature),
        () => send(500, ""),
      );
      return undefined;
    }
    return send(404, "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a host reads from its metadata service in hardened mode, for `audience`. */
export async function readIdentity(
  metadataUrl: string,
  audience: string,
): Promise<{ document: string; signature: string }> {
  const tokenResponse = await fetch(`${metadataUrl}${METADATA_TOKEN_PATH}`, {
    method: "PUT",
    headers: { [METADATA_TOKEN_TTL_HEADER]: "60" },
  });
  const token = await tokenResponse.text();
  const headers = { [METADATA_TOKEN_HEADER]: token };
  const document = await (
    await fetch(`${metadataUrl}${METADATA_IDENTITY_DOCUMENT_PATH}`, { headers })
  ).text();
  const signature = await (
    await fetch(
      `${metadataUrl}${METADATA_IDENTITY_PKCS7_PATH}?audience=${encodeURIComponent(audience)}`,
      { headers },
    )
  ).text();
  return { document, signature };
}
