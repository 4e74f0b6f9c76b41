// The operator endpoint's self-signed certificate, for labs and dev stacks that have no
// certificate of their own: a key and a certificate made by @pulumi/tls, which the caller
// uploads to CAS. Browsers do not trust it (operators accept the warning or pin it); a
// production stack gives operatorAccess.certificateId instead.
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** A year: the certificate's validity. */
export const SELF_SIGNED_VALIDITY_HOURS = 365 * 24;

/**
 * In its last 30 days the provider plans the certificate's replacement
 * (terraform-provider-tls internal/provider/common_cert.go:268-316, ModifyPlan), so the
 * first `pulumi up` in that window renews it before it expires.
 */
export const SELF_SIGNED_EARLY_RENEWAL_HOURS = 30 * 24;

/**
 * RSA 2048 rather than ECDSA: every client and every ALB TLS policy takes it, and the key
 * is made once a year. The uses of a TLS server certificate with an RSA key.
 */
export const SELF_SIGNED_KEY = { algorithm: "RSA", rsaBits: 2048 } as const;
export const SELF_SIGNED_USES = ["server_auth", "digital_signature", "key_encipherment"];

export interface SelfSignedCertificate {
  readonly certificatePem: pulumi.Output<string>;
  /** The certificate's private key, a secret. */
  readonly privateKeyPem: pulumi.Output<string>;
}

/** Declares a key and a certificate for `dnsName` as children of `parent`. */
export function declareSelfSignedCertificate(
  parent: pulumi.Resource,
  name: string,
  dnsName: pulumi.Input<string>,
): SelfSignedCertificate {
  const key = new tls.PrivateKey(`${name}-self-signed-key`, { ...SELF_SIGNED_KEY }, { parent });
  // The SDK marks privateKeyPem an additional secret output; secret here too, so it stays
  // one however the engine (or a mock) answers.
  const privateKeyPem = pulumi.secret(key.privateKeyPem);
  const certificate = new tls.SelfSignedCert(
    `${name}-self-signed-cert`,
    {
      privateKeyPem,
      // Browsers match the SAN; the common name (at most 64 characters, RFC 5280
      // ub-common-name) names it for people. The config admits names that short, and an
      // ALB's own is `alb-<id>.<region>.alb.aliyuncs.com`, about 50.
      subject: { organization: "hpc-fleet", commonName: dnsName },
      dnsNames: [dnsName],
      validityPeriodHours: SELF_SIGNED_VALIDITY_HOURS,
      earlyRenewalHours: SELF_SIGNED_EARLY_RENEWAL_HOURS,
      allowedUses: SELF_SIGNED_USES,
    },
    { parent },
  );
  return { certificatePem: certificate.certPem, privateKeyPem };
}
