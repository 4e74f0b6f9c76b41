// Renders a host's ECS user-data: `[powershell]` first, the host config as JSON in a
// here-string, then the call to the bootstrap baked into the image. The bootstrap
// reads the same user-data from the metadata service at every boot, so this script
// only has to start it once.
import {
  BOOTSTRAP_PATH,
  HOST_CONFIG_BEGIN,
  HOST_CONFIG_END,
  type HostConfig,
} from "@hpc-fleet/fleet-contract";

export { BOOTSTRAP_PATH, HOST_CONFIG_BEGIN, HOST_CONFIG_END, type HostConfig };

/** ECS's limit on user-data, before base64. */
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/**
 * What the client's arguments may spend of the user-data, as JSON: with every other field
 * of the host config at its longest, the user-data still fits (a test holds it).
 */
export const CLIENT_ARGUMENTS_BUDGET = 12000;

/**
 * What the CA certificate may spend of the user-data, as PEM: an RSA 4096 CA with the usual
 * extensions is about 2,000 characters, an ECDSA P-256 one about 700.
 */
export const CA_CERT_PEM_BUDGET = 3000;

const PEM_CERTIFICATE =
  /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;

export class UserDataTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(
      `user-data is ${bytes} bytes, over ECS's ${USER_DATA_LIMIT_BYTES}-byte limit: ` +
        "shorten hpc-fleet:fleet.clientArguments",
    );
    this.name = "UserDataTooLargeError";
  }
}

/**
 * The user-data for every host of the fleet; throws when over 16 KB, and when the URL is not
 * https or the CA is not one PEM certificate (the hosts would refuse them at boot).
 */
export function renderUserData(host: HostConfig): string {
  if (!host.hostManagerUrl.startsWith("https://")) {
    throw new Error(`the hosts report over https only: hostManagerUrl is ${host.hostManagerUrl}`);
  }
  if (!PEM_CERTIFICATE.test(host.hostManagerCaCertPem)) {
    throw new Error("hostManagerCaCertPem must be one PEM certificate (the host-manager's CA)");
  }
  if (host.hostManagerCaCertPem.length > CA_CERT_PEM_BUDGET) {
    throw new Error(
      `hostManagerCaCertPem is ${host.hostManagerCaCertPem.length} characters, over the ${CA_CERT_PEM_BUDGET} the user-data keeps for it`,
    );
  }
  const json = JSON.stringify(host, null, 2);
  if (json.split(/\r?\n/).includes(HOST_CONFIG_END)) {
    throw new Error("host config may not contain a line that ends the here-string");
  }
  const script = [
    "[powershell]",
    "# hpc-fleet first boot: hand the host config to the bootstrap baked into the image.",
    HOST_CONFIG_BEGIN,
    json,
    HOST_CONFIG_END,
    `& '${BOOTSTRAP_PATH}' -HostConfigJson $HpcHostConfigJson`,
    "",
  ].join("\r\n");
  const bytes = Buffer.byteLength(script, "utf8");
  if (bytes > USER_DATA_LIMIT_BYTES) throw new UserDataTooLargeError(bytes);
  return script;
}
