// The fleet's Windows image: the WindowsImage component and the pure helpers
// (trigger hash, manifest) other components and tests use.
export { WindowsImage, type WindowsImageArgs } from "./windows-image";
export {
  imageInputsHash,
  type FileOnDisk,
  type HashedFile,
  type ImageInputs,
} from "./trigger-hash";
export { imageIdFromManifest, ManifestError, parseArtifactId } from "./manifest";
