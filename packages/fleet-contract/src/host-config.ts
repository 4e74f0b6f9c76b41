// The host config: what the Pulumi program puts in every host's user-data and the
// bootstrap baked into the image reads back at every boot (from the metadata service).

/** Where the image keeps the bootstrap (admin-writable only); the Packer template copies it there. */
export const BOOTSTRAP_PATH = "C:\\Program Files\\hpc-fleet\\bootstrap.ps1";

/** Marks the host config inside the user-data, for the bootstrap to find at every boot. */
export const HOST_CONFIG_BEGIN = "$HpcHostConfigJson = @'";
export const HOST_CONFIG_END = "'@";

/** The host config, as JSON in the user-data. It holds no secret (but the legacy fleetToken). */
export interface HostConfig {
  /** Base URL of the host-manager: https, with its private DNS name, e.g. https://host-manager.hpc-fleet.internal:8080. */
  readonly hostManagerUrl: string;
  /**
   * The stack's private CA certificate (PEM; public): the host trusts it for the
   * host-manager's host name only, never machine-wide.
   */
  readonly hostManagerCaCertPem: string;
  /**
   * Only with the stack's hostManager.legacyFleetToken (one release): the shared bearer token
   * a host falls back to when it cannot register by instance identity. A secret.
   */
  readonly fleetToken?: string;
  readonly clientExecutable: string;
  readonly clientArguments: readonly string[];
  readonly accountName: string;
  readonly accountIsAdministrator: boolean;
  readonly heartbeatSeconds: number;
}
