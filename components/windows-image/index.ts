// The fleet's Windows image: the WindowsImage component and the pure helpers
// (user-data, trigger hash, manifest) other components and tests use.
export { WindowsImage, type WindowsImageArgs } from "./windows-image";
export {
  imageInputsHash,
  type FileOnDisk,
  type HashedFile,
  type ImageInputs,
} from "./trigger-hash";
export { imageIdFromManifest, ManifestError, parseArtifactId } from "./manifest";
export {
  BOOTSTRAP_PATH,
  HOST_CONFIG_BEGIN,
  HOST_CONFIG_END,
  renderUserData,
  USER_DATA_LIMIT_BYTES,
  UserDataTooLargeError,
  type HostConfig,
} from "./user-data";
