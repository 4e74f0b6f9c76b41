// The host-manager's TLS (issue 15): a private CA of the stack's own and the service's
// certificate, issued by it for the private DNS name the hosts reach the service at. The
// hosts trust this CA for this endpoint only (installed at boot from `caCertPem`, which is
// public); the service's key reaches the container only as a secret.
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** ECDSA P-256: short keys and fast handshakes; every TLS 1.2/1.3 client takes it. */
export const HOST_MANAGER_TLS_KEY = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

/**
 * Ten years: a new CA means new hosts (they install it at boot), so it is not renewed in
 * the fleet's lifetime. A CA key made by Pulumi lives in the stack's state, encrypted as
 * a secret, like the fleet's other generated secrets.
 */
export const CA_VALIDITY_HOURS = 10 * 365 * 24;
export const CA_USES = ["cert_signing", "crl_signing", "digital_signature"];

/** A year; renewed by the first `pulumi up` in its last 30 days (the CA is unchanged, hosts keep trusting). */
export const SERVER_CERT_VALIDITY_HOURS = 365 * 24;
export const SERVER_CERT_EARLY_RENEWAL_HOURS = 30 * 24;
export const SERVER_CERT_USES = ["server_auth", "digital_signature", "key_agreement"];

export interface HostManagerTls {
  /** The CA the hosts trust for the host-manager: public, not a secret. */
  readonly caCertPem: pulumi.Output<string>;
  /** The service's certificate, issued by that CA for `dnsName`. */
  readonly certPem: pulumi.Output<string>;
  /** The service's private key: a secret. */
  readonly keyPem: pulumi.Output<string>;
}

/** Declares the CA and the server certificate for `dnsName` as children of `parent`. */
export function declareHostManagerTls(
  parent: pulumi.Resource,
  name: string,
  args: { readonly dnsName: string; readonly stack: string },
): HostManagerTls {
  const child = { parent };
  const caKey = new tls.PrivateKey(`${name}-ca-key`, { ...HOST_MANAGER_TLS_KEY }, child);
  const caCert = new tls.SelfSignedCert(
    `${name}-ca-cert`,
    {
      // Secret here too, whatever the engine (or a mock) marks the key's output.
      privateKeyPem: pulumi.secret(caKey.privateKeyPem),
      subject: { organization: "hpc-fleet", commonName: `hpc-fleet ${args.stack} host-manager CA` },
      isCaCertificate: true,
      validityPeriodHours: CA_VALIDITY_HOURS,
      allowedUses: CA_USES,
    },
    child,
  );
  const serverKey = new tls.PrivateKey(`${name}-tls-key`, { ...HOST_MANAGER_TLS_KEY }, child);
  const keyPem = pulumi.secret(serverKey.privateKeyPem);
  const request = new tls.CertRequest(
    `${name}-tls-request`,
    {
      privateKeyPem: keyPem,
      // Clients match the SAN; the common name names it for people.
      subject: { organization: "hpc-fleet", commonName: args.dnsName },
      dnsNames: [args.dnsName],
    },
    child,
  );
  const serverCert = new tls.LocallySignedCert(
    `${name}-tls-cert`,
    {
      certRequestPem: request.certRequestPem,
      caCertPem: caCert.certPem,
      caPrivateKeyPem: pulumi.secret(caKey.privateKeyPem),
      validityPeriodHours: SERVER_CERT_VALIDITY_HOURS,
      earlyRenewalHours: SERVER_CERT_EARLY_RENEWAL_HOURS,
      allowedUses: SERVER_CERT_USES,
    },
    child,
  );
  return {
    caCertPem: pulumi.unsecret(caCert.certPem),
    certPem: pulumi.unsecret(serverCert.certPem),
    keyPem,
  };
}
