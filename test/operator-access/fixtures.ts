// A certificate and key in PEM form (not a real pair: nothing here checks the crypto, the
// CAS upload would), and the config that turns the operator endpoint on with them.

export const CERTIFICATE_PEM = [
  "-----BEGIN CERTIFICATE-----",
  "MIIBszCCAVmgAwIBAgIUHpcFleetOperatorEndpointTestCertificate0wCgYIKoZIzj0EAwIw",
  "-----END CERTIFICATE-----",
  "",
].join("\n");

export const PRIVATE_KEY_PEM = [
  "-----BEGIN PRIVATE KEY-----",
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgFleetOperatorEndpointTestKey",
  "-----END PRIVATE KEY-----",
  "",
].join("\n");

/** Config overrides: the endpoint on, with the PEM certificate (not the dev stack's self-signed one). */
export const WITH_PEM = {
  operatorAccess: { certificatePem: CERTIFICATE_PEM, selfSigned: undefined },
};

/** Secrets set as with `pulumi config set --secret`. */
export const PEM_SECRETS = { operatorAccessPrivateKey: PRIVATE_KEY_PEM };

/** Config overrides: the endpoint on, with an existing CAS certificate (not a self-signed one). */
export const WITH_CERTIFICATE_ID = {
  operatorAccess: { certificateId: "12345678", selfSigned: undefined },
};

/** Config overrides: no certificate at all, so no endpoint (the dev stack ships one). */
export const WITHOUT_CERTIFICATE = { operatorAccess: { selfSigned: undefined } };

/** The operators' client files are not in the repository: the image is taken as built. */
export const WITH_IMAGE = { image: { existingImageId: "m-2ze0base" } };
