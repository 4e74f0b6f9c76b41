// A certificate authority for tests, made with pkijs (as the service verifies with it):
// it stands in for Alibaba's identity signing certificate (signing identity documents as
// the metadata service does: PKCS#7 SignedData, detached, over the document with its
// audience, see src/identity/signed-document.ts), and for the stack's private CA (issuing
// the host-manager's TLS certificate, as @pulumi/tls does in components/host-manager/tls.ts).
import * as asn1js from "asn1js";
import { webcrypto } from "node:crypto";
import * as pkijs from "pkijs";

type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]["crypto"];
const crypto = webcrypto as unknown as EngineCrypto;
const engine = new pkijs.CryptoEngine({ name: "node", crypto });
const subtle = webcrypto.subtle;

const RSA = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
};

type Key = Parameters<pkijs.Certificate["sign"]>[0];

export interface TestCa {
  readonly certificate: pkijs.Certificate;
  readonly certPem: string;
  readonly privateKey: Key;
}

export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${body.trimEnd()}\n-----END ${label}-----\n`;
}

let serial = 1000;

function name(commonName: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({
        type: "2.5.4.3",
        value: new asn1js.Utf8String({ value: commonName }),
      }),
    ],
  });
}

function extension(extnID: string, critical: boolean, value: asn1js.BaseBlock) {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

async function certificate(
  subject: string,
  issuer: { name: string; key: Key } | undefined,
  keys: { publicKey: unknown; privateKey: unknown },
  extensions: pkijs.Extension[],
): Promise<pkijs.Certificate> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: serial++ });
  cert.subject = name(subject);
  cert.issuer = name(issuer?.name ?? subject);
  const now = Date.now();
  cert.notBefore.value = new Date(now - 3_600_000);
  cert.notAfter.value = new Date(now + 365 * 24 * 3_600_000);
  cert.extensions = extensions;
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey as Key, engine);
  await cert.sign((issuer?.key ?? keys.privateKey) as Key, "SHA-256", engine);
  return cert;
}

/** A self-signed CA named `commonName`, with an RSA key. */
export async function createTestCa(commonName: string): Promise<TestCa> {
  const keys = await subtle.generateKey(RSA, true, ["sign", "verify"]);
  const basicConstraints = new pkijs.BasicConstraints({ cA: true });
  const cert = await certificate(commonName, undefined, keys, [
    extension("2.5.29.19", true, basicConstraints.toSchema()),
    // keyCertSign and cRLSign (bits 5 and 6).
    extension(
      "2.5.29.15",
      true,
      new asn1js.BitString({ valueHex: new Uint8Array([0x06]).buffer, unusedBits: 1 }),
    ),
  ]);
  return {
    certificate: cert,
    certPem: pem("CERTIFICATE", cert.toSchema(true).toBER(false)),
    privateKey: keys.privateKey as Key,
  };
}

/** A TLS server certificate from `ca` for `dnsNames` and `ipAddresses`, with its key. */
export async function issueServerCertificate(
  ca: TestCa,
  subjects: { dnsNames: string[]; ipAddresses?: string[] },
): Promise<IssuedCertificate> {
  const keys = await subtle.generateKey(RSA, true, ["sign", "verify"]);
  const altNames = new pkijs.GeneralNames({
    names: [
      ...subjects.dnsNames.map((value) => new pkijs.GeneralName({ type: 2, value })),
      ...(subjects.ipAddresses ?? []).map(
        (ip) =>
          new pkijs.GeneralName({
            type: 7,
            value: new asn1js.OctetString({
              valueHex: new Uint8Array(ip.split(".").map(Number)).buffer,
            }),
          }),
      ),
    ],
  });
  const issuerName = ca.certificate.subject.typesAndValues[0].value.valueBlock.value as string;
  const cert = await certificate(
    subjects.dnsNames[0],
    { name: issuerName, key: ca.privateKey },
    keys,
    [
      extension("2.5.29.17", false, altNames.toSchema()),
      // serverAuth.
      extension(
        "2.5.29.37",
        false,
        new pkijs.ExtKeyUsage({ keyPurposes: ["1.3.6.1.5.5.7.3.1"] }).toSchema(),
      ),
    ],
  );
  const pkcs8 = await subtle.exportKey("pkcs8", keys.privateKey);
  return {
    certPem: pem("CERTIFICATE", cert.toSchema(true).toBER(false)),
    keyPem: pem("PRIVATE KEY", pkcs8),
  };
}

/**
 * What the metadata service returns at /latest/dynamic/instance-identity/pkcs7: base64 of
 * a PKCS#7 SignedData by `ca`, detached (the content is not in it), over `content`, with
 * the signer's certificate attached, no signed attributes.
 */
export async function signAsMetadataService(
  ca: TestCa,
  content: Buffer,
  options: {
    attached?: boolean;
    /** Name this certificate as the signer (issuer and serial) whoever signs: a forgery. */
    claimAs?: pkijs.Certificate;
  } = {},
): Promise<string> {
  const named = options.claimAs ?? ca.certificate;
  const signed = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: "1.2.840.113549.1.7.1",
      ...(options.attached
        ? { eContent: new asn1js.OctetString({ valueHex: new Uint8Array(content).buffer }) }
        : {}),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({
          issuer: named.issuer,
          serialNumber: named.serialNumber,
        }),
      }),
    ],
    certificates: [ca.certificate],
  });
  await signed.sign(ca.privateKey, 0, "SHA-256", new Uint8Array(content).buffer, engine);
  const info = new pkijs.ContentInfo({
    contentType: pkijs.ContentInfo.SIGNED_DATA,
    content: signed.toSchema(true),
  });
  return Buffer.from(info.toSchema().toBER(false)).toString("base64");
}
