// The client artifact: a zip of the operator's client files at an OSS or HTTPS URL, with
// its SHA-256 in the stack config. CI downloads it into clientSourceDir under its own
// file name, checks the digest (`sha256sum -c`) and unpacks it there before `pulumi up`.
//
// The image's content hash takes the configured digest for the client files, so a
// preview without the binaries (a pull request's) knows the hash, and the same zip from
// another URL does not rebuild. That is only sound if the files the build uploads are
// the zip's: so wherever the zip is present its digest must be the configured one and
// each client file present must be byte for byte the zip's entry at its path, and an
// `up` (which uploads the files) needs the zip there to show it. A stale unpack, or a new
// zip unpacked under an old digest, stops the program instead of building an image whose
// hash names other bytes.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";
import type { ArgProblem } from "../arg-problems";
import type { ClientArtifact } from "./args";
import type { ResolvedClientFile } from "./build-inputs";
import type { FileByChecksum } from "./trigger-hash";
import { zipEntries } from "./zip-entries";

/** The zip's file name: the last segment of the URL's path. */
export function artifactFileName(url: string): string {
  const path = url.startsWith("oss://") ? url.slice("oss://".length) : new URL(url).pathname;
  return decodeURIComponent(posix.basename(path));
}

/** Where the downloaded zip is expected: in clientSourceDir, under its own name. */
export function artifactPath(artifact: ClientArtifact, sourceDir: string): string {
  return join(sourceDir, artifactFileName(artifact.url));
}

/** The client files as the trigger hash sees them: the artifact's digest alone. */
export function artifactHashedFiles(artifact: ClientArtifact): FileByChecksum[] {
  return [{ label: "client-artifact", sha256: artifact.sha256 }];
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * What is wrong between the artifact and the files on disk, by property path. `preview`
 * tolerates a missing zip: a preview needs only the digest.
 */
export function artifactProblems(
  artifact: ClientArtifact,
  files: readonly ResolvedClientFile[],
  sourceDir: string,
  preview: boolean,
): ArgProblem[] {
  const path = artifactPath(artifact, sourceDir);
  if (!existsSync(path)) {
    if (preview) return [];
    return [
      {
        propertyPath: "clientArtifact",
        reason:
          `no zip at ${path}: download ${artifact.url} there and unpack it before pulumi up, ` +
          "so that the client files can be checked against it",
      },
    ];
  }
  const zip = readFileSync(path);
  const digest = sha256(zip);
  if (digest !== artifact.sha256) {
    return [
      {
        propertyPath: "clientArtifact.sha256",
        reason: `is not the SHA-256 of ${path} (${digest})`,
      },
    ];
  }
  const problems: ArgProblem[] = [];
  try {
    const entries = zipEntries(zip);
    for (const file of files) {
      const entry = relative(sourceDir, file.absolutePath).split(sep).join("/");
      const propertyPath = `clientFiles[${file.index}].source`;
      const entryDigest = entries.get(entry);
      if (!entryDigest) {
        problems.push({ propertyPath, reason: `${entry} is not in ${path}` });
      } else if (existsSync(file.absolutePath)) {
        if (sha256(readFileSync(file.absolutePath)) !== entryDigest()) {
          problems.push({
            propertyPath,
            reason: `${file.absolutePath} is not the artifact's ${entry} (unpack ${path} again)`,
          });
        }
      }
    }
  } catch (error) {
    problems.push({
      propertyPath: "clientArtifact",
      reason: `${path} ${(error as Error).message}`,
    });
  }
  return problems;
}
