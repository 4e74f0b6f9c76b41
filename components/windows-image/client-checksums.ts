// A committed checksum list for the operator's client files (`sha256sum` format), so
// the image's content hash is known where the binaries are not: a pull request's
// preview in CI shows exactly what changed instead of a rebuild of unknown cause.
// Where the files are present they must match it, so the list cannot go stale unseen.
// Its problems are clientChecksumsFile's: they say what is wrong, not which arg.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { ResolvedClientFile } from "./build-inputs";
import type { HashedFile } from "./trigger-hash";

const LINE = /^([0-9a-fA-F]{64}) [ *](.+)$/;

/** File name (as `sha256sum` prints it, without directories) to lowercase hex SHA-256. */
export function parseChecksums(text: string, path: string): Map<string, string> {
  const checksums = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim() || line.startsWith("#")) return;
    const match = LINE.exec(line.trim());
    if (!match) throw new Error(`${path} line ${index + 1} is not "<sha256>  <file>"`);
    checksums.set(basename(match[2].trim()).toLowerCase(), match[1].toLowerCase());
  });
  return checksums;
}

export function readChecksums(path: string): Map<string, string> {
  if (!existsSync(path)) throw new Error(`no file at ${path}`);
  return parseChecksums(readFileSync(path, "utf8"), path);
}

/** The client files as the trigger hash sees them, by their listed checksums. */
export function checksummedClientFiles(
  files: readonly ResolvedClientFile[],
  checksums: ReadonlyMap<string, string>,
): HashedFile[] {
  const unlisted = files.filter(
    (file) => !checksums.has(basename(file.absolutePath).toLowerCase()),
  );
  if (unlisted.length > 0) {
    const names = unlisted.map((file) => basename(file.absolutePath)).join(", ");
    throw new Error(`lists no checksum for ${names}`);
  }
  return files.map((file) => ({
    label: `client:${file.destination}`,
    sha256: checksums.get(basename(file.absolutePath).toLowerCase()) as string,
  }));
}

/** The client files that are present but differ from their listed checksum. */
export function staleChecksums(
  files: readonly ResolvedClientFile[],
  checksums: ReadonlyMap<string, string>,
): string[] {
  return files
    .filter((file) => existsSync(file.absolutePath))
    .filter((file) => {
      const actual = createHash("sha256").update(readFileSync(file.absolutePath)).digest("hex");
      return actual !== checksums.get(basename(file.absolutePath).toLowerCase());
    })
    .map((file) => `${file.absolutePath} does not match its listed checksum`);
}
