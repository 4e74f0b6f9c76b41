// The SHA-256 of each file in a zip (the client artifact), read with yauzl, to compare
// them with the unpacked files. yauzl checks each entry's inflated size against the
// central directory (validateEntrySizes) and refuses names that climb out of the
// archive (strictFileNames off, but validateFileName still runs), so a damaged or
// hostile zip fails here instead of being misread. It does not check CRC-32: the zip's
// own SHA-256, checked before, is what vouches for its bytes.
import { createHash } from "node:crypto";
import { pipeline } from "node:stream/promises";
import * as yauzl from "yauzl";

/** A zip yauzl could not read, with what it said. */
export class ZipError extends Error {}

/** The files in a zip (not its directories), by the name the zip gives them, to hex SHA-256. */
export async function zipFileDigests(path: string): Promise<Map<string, string>> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: true });
  } catch (error) {
    throw new ZipError(`is not a zip yauzl can read (${(error as Error).message})`);
  }
  const digests = new Map<string, string>();
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith("/")) continue;
      if (entry.isEncrypted()) throw new ZipError(`${entry.fileName} is encrypted`);
      const hash = createHash("sha256");
      await pipeline(await zip.openReadStreamPromise(entry), hash);
      digests.set(entry.fileName, hash.digest("hex"));
    }
  } catch (error) {
    zip.close();
    if (error instanceof ZipError) throw error;
    throw new ZipError(`cannot be read (${(error as Error).message})`);
  }
  return digests;
}
