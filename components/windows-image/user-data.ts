// Renders a host's ECS user-data: `[powershell]` first, the host config as JSON in a
// here-string, then the call to the bootstrap baked into the image. The bootstrap
// reads the same user-data from the metadata service at every boot, so this script
// only has to start it once.
export const USER_DATA_LIMIT_BYTES = 16 * 1024;

/** Where the image keeps the bootstrap (admin-writable only). */
export const BOOTSTRAP_PATH = "C:\\Program Files\\hpc-fleet\\bootstrap.ps1";

/** Marks the host config inside the user-data, for bootstrap.ps1 to find at every boot. */
export const HOST_CONFIG_BEGIN = "$HpcHostConfigJson = @'";
export const HOST_CONFIG_END = "'@";

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

export class UserDataTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(
      `user-data is ${bytes} bytes, over ECS's ${USER_DATA_LIMIT_BYTES}-byte limit: ` +
        "shorten hpc-fleet:fleet.clientArguments",
    );
    this.name = "UserDataTooLargeError";
  }
}

/** The user-data for every host of the fleet; throws when over 16 KB. */
export function renderUserData(host: HostConfig): string {
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
