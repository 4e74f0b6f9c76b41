// The fleet's Windows image (hpc:windows-image:WindowsImage) and the pure helpers
// (trigger hash, manifest) other components and tests use.
export { windowsImageArgProblems, type ClientFile, type WindowsImageArgs } from "./args";
export {
  declareWindowsImage,
  planBuild,
  unpackedClientFileProblems,
  WindowsImage,
  WINDOWS_IMAGE_TYPE,
  type BuildPlan,
  type WindowsImageOutputs,
} from "./windows-image";
export {
  imageInputsHash,
  type FileOnDisk,
  type HashedFile,
  type ImageInputs,
} from "./trigger-hash";
export { imageIdFromManifest, ManifestError, parseArtifactId } from "./manifest";
