// The host config: what the Pulumi program puts in every host's user-data and the
// bootstrap baked into the image reads back at every boot (from the metadata service).

/** Where the image keeps the bootstrap (admin-writable only); the Packer template copies it there. */
export const BOOTSTRAP_PATH = "C:\\Program Files\\hpc-fleet\\bootstrap.ps1";

/** Marks the host config inside the user-data, for the bootstrap to find at every boot. */
export const HOST_CONFIG_BEGIN = "$HpcHostConfigJson = @'";
export const HOST_CONFIG_END = "'@";

/** The host config, as JSON in the user-data. */
export interface HostConfig {
  /** Base URL of the host-manager, e.g. http://host-manager.hpc-fleet.internal:8080. */
  readonly hostManagerUrl: string;
  /** Bearer token the host sends with every report (a secret). */
  readonly fleetToken: string;
  readonly clientExecutable: string;
  readonly clientArguments: readonly string[];
  readonly accountName: string;
  readonly accountIsAdministrator: boolean;
  readonly heartbeatSeconds: number;
}
