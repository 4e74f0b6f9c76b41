// The image's content hash: SHA-256 over every build input, so unchanged inputs
// never rebuild (a Windows build takes tens of minutes) and any changed byte does.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * A file that goes into the image, under a label that says what it is for: read from
 * `path`, or known by its `sha256` (from a committed checksum list).
 */
export type HashedFile = FileOnDisk | FileByChecksum;

export interface FileOnDisk {
  /** Stable across checkouts, e.g. `images/windows/scripts/host/bootstrap.ps1` or `client:C:\hpc\client\hpc-client.exe`. */
  readonly label: string;
  /** Where to read it now. */
  readonly path: string;
}

export interface FileByChecksum {
  readonly label: string;
  /** Its hex SHA-256, as a committed checksum list gives it. */
  readonly sha256: string;
}

export interface ImageInputs {
  readonly files: readonly HashedFile[];
  /** Packer variables by name; secrets (the build password) stay out. */
  readonly variables: Readonly<Record<string, string>>;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The hex SHA-256 of the inputs. Each entry is a JSON array on its own line, so
 * no name/value split can collide with another; order does not matter.
 */
export function imageInputsHash(inputs: ImageInputs): string {
  const labels = new Set<string>();
  const lines: string[] = [];
  for (const file of inputs.files) {
    if (labels.has(file.label)) throw new Error(`build input ${file.label} is listed twice`);
    labels.add(file.label);
    const digest = "sha256" in file ? file.sha256 : sha256(readFileSync(file.path));
    lines.push(JSON.stringify(["file", file.label, digest]));
  }
  for (const [name, value] of Object.entries(inputs.variables)) {
    lines.push(JSON.stringify(["variable", name, value]));
  }
  return sha256(lines.sort().join("\n"));
}
