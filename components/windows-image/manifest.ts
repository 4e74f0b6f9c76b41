// Reads the image id out of the manifest Packer's manifest post-processor writes
// (the build command prints it): `artifact_id` is `region:imageId`, comma-separated
// when the image is copied to other regions.

interface ManifestBuild {
  readonly artifact_id?: unknown;
  readonly packer_run_uuid?: unknown;
}

interface Manifest {
  readonly builds?: unknown;
  readonly last_run_uuid?: unknown;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(`Packer manifest: ${message}`);
    this.name = "ManifestError";
  }
}

/** `region:imageId` pairs of one artifact id, in order. */
export function parseArtifactId(artifactId: string): { region: string; imageId: string }[] {
  return artifactId
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const colon = part.indexOf(":");
      if (colon <= 0 || colon === part.length - 1) {
        throw new ManifestError(`artifact "${part}" is not region:imageId`);
      }
      return { region: part.slice(0, colon), imageId: part.slice(colon + 1) };
    });
}

/**
 * The image id this stack's region got from the manifest's last run. The manifest
 * post-processor appends to an existing file, so only builds of the last run count.
 */
export function imageIdFromManifest(text: string | undefined, region: string): string {
  if (!text || text.trim() === "") throw new ManifestError("the build printed no manifest");
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text) as Manifest;
  } catch (error) {
    throw new ManifestError(`not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(manifest.builds) || manifest.builds.length === 0) {
    throw new ManifestError("no builds");
  }
  const builds = manifest.builds as ManifestBuild[];
  const lastRun = builds.filter(
    (build) => manifest.last_run_uuid && build.packer_run_uuid === manifest.last_run_uuid,
  );
  const candidates = lastRun.length > 0 ? lastRun : [builds[builds.length - 1]];
  const artifacts = candidates.flatMap((build) => {
    if (typeof build.artifact_id !== "string")
      throw new ManifestError("a build has no artifact_id");
    return parseArtifactId(build.artifact_id);
  });
  const match = artifacts.filter((artifact) => artifact.region === region);
  if (match.length === 0) {
    const regions = artifacts.map((artifact) => artifact.region).join(", ") || "none";
    throw new ManifestError(`no image for region ${region} (the build made images in: ${regions})`);
  }
  return match[match.length - 1].imageId;
}
