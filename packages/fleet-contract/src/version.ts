// The host-manager's version: its image tag, its /healthz and build_info, and what the
// Pulumi program deploys by default. It must equal services/host-manager/package.json's
// "version" (a test holds them together); bump both when the service changes.
export const HOST_MANAGER_VERSION = "0.3.0";

/** The image repository the host-manager is pushed to, within a registry namespace. */
export const HOST_MANAGER_IMAGE_NAME = "host-manager";
