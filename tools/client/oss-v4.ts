// OSS's V4 request signature (OSS4-HMAC-SHA256), for one signed GET of the client archive
// with the STS credentials the deploy job assumed: no SDK, no CLI to install and trust.
// Follows aliyun/alibabacloud-oss-go-sdk-v2 oss/signer/v4.go; its test vectors are
// test/client/oss-v4.test.ts's.
import { createHash, createHmac } from "node:crypto";

export interface OssCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export interface OssV4Request {
  readonly method: string;
  readonly bucket: string;
  /** The object key, not encoded. */
  readonly key: string;
  /** e.g. cn-hangzhou (no `oss-` prefix). */
  readonly region: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Headers the request carries already. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly credentials: OssCredentials;
  readonly time: Date;
  readonly product?: string;
}

const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** Percent-encodes every byte but A-Z a-z 0-9 - . _ ~ (and `/` when kept). */
export function ossEscape(text: string, keepSlash = false): string {
  let escaped = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(char) || (keepSlash && char === "/")) escaped += char;
    else escaped += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return escaped;
}

function isDefaultSigned(name: string): boolean {
  return name.startsWith("x-oss-") || name === "content-type" || name === "content-md5";
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function hmac(key: Buffer | string, text: string): Buffer {
  return createHmac("sha256", key).update(text).digest();
}

/** 20231216T162057Z and 20231216 */
function timestamps(time: Date): { datetime: string; date: string } {
  const datetime = time
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  return { datetime, date: datetime.slice(0, 8) };
}

export function canonicalQuery(query: Readonly<Record<string, string>> = {}): string {
  return Object.entries(query)
    .map(([key, value]) => [ossEscape(key), ossEscape(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => (value ? `${key}=${value}` : key))
    .join("&");
}

/** The headers to send: the request's own plus the date, payload hash, token and signature. */
export function signOssV4(request: OssV4Request): Record<string, string> {
  const product = request.product ?? "oss";
  const { datetime, date } = timestamps(request.time);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  headers["x-oss-date"] = datetime;
  headers["x-oss-content-sha256"] = UNSIGNED_PAYLOAD;
  if (request.credentials.securityToken) {
    headers["x-oss-security-token"] = request.credentials.securityToken;
  }
  const signed = Object.keys(headers).filter(isDefaultSigned).sort();
  const canonicalRequest = [
    request.method.toUpperCase(),
    ossEscape(`/${request.bucket}/${request.key}`, true),
    canonicalQuery(request.query),
    signed.map((name) => `${name}:${headers[name].trim()}\n`).join(""),
    "",
    UNSIGNED_PAYLOAD,
  ].join("\n");
  const scope = `${date}/${request.region}/${product}/aliyun_v4_request`;
  const stringToSign = ["OSS4-HMAC-SHA256", datetime, scope, sha256Hex(canonicalRequest)].join(
    "\n",
  );
  let key = hmac(`aliyun_v4${request.credentials.accessKeySecret}`, date);
  for (const part of [request.region, product, "aliyun_v4_request"]) key = hmac(key, part);
  const signature = hmac(key, stringToSign).toString("hex");
  headers.authorization =
    `OSS4-HMAC-SHA256 Credential=${request.credentials.accessKeyId}/${scope},` +
    `Signature=${signature}`;
  headers.date = request.time.toUTCString();
  return headers;
}
