// Reads the entries of a zip (the client artifact) to compare them with unpacked files.
// Only what `zip` and the usual archivers write is read: stored or deflated entries, no
// encryption, no Zip64 (a client zip over 4 GiB is refused, not misread). The layout is
// PKWARE's APPNOTE.TXT: §4.3.16 end of central directory, §4.3.12 central directory
// header, §4.3.7 local file header.
import { createHash } from "node:crypto";
import { inflateRawSync } from "node:zlib";

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
/** The end record is 22 bytes and may be followed by a comment of up to 64 KiB. */
const END_RECORD_SIZE = 22;
const MAX_COMMENT = 0xffff;

export class ZipError extends Error {}

/** An entry's name, and its content's hex SHA-256, inflated only when asked for. */
export type ZipEntries = ReadonlyMap<string, () => string>;

function endRecordOffset(zip: Buffer): number {
  const lowest = Math.max(0, zip.length - END_RECORD_SIZE - MAX_COMMENT);
  for (let offset = zip.length - END_RECORD_SIZE; offset >= lowest; offset--) {
    if (zip.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) return offset;
  }
  throw new ZipError("is not a zip (no end of central directory)");
}

function entryContent(zip: Buffer, name: string, header: number): Buffer {
  const flags = zip.readUInt16LE(header + 8);
  const method = zip.readUInt16LE(header + 10);
  const compressedSize = zip.readUInt32LE(header + 20);
  const size = zip.readUInt32LE(header + 24);
  const local = zip.readUInt32LE(header + 42);
  if (flags & 0x1) throw new ZipError(`${name} is encrypted`);
  if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL_FILE_HEADER) {
    throw new ZipError(`${name} has no local header`);
  }
  // The local header's name and extra field may differ in length from the central one's.
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(start, start + compressedSize);
  if (data.length !== compressedSize) throw new ZipError(`${name} is truncated`);
  let content: Buffer;
  if (method === 0) content = data;
  else if (method === 8) content = inflateRawSync(data);
  else throw new ZipError(`${name} uses compression method ${method} (only 0 and 8 are read)`);
  if (content.length !== size) throw new ZipError(`${name} inflates to the wrong size`);
  return content;
}

/** The files in a zip (not its directories), by the name the zip gives them. */
export function zipEntries(zip: Buffer): ZipEntries {
  const end = endRecordOffset(zip);
  const count = zip.readUInt16LE(end + 10);
  const directorySize = zip.readUInt32LE(end + 12);
  const directory = zip.readUInt32LE(end + 16);
  if (count === 0xffff || directory === 0xffffffff || directorySize === 0xffffffff) {
    throw new ZipError("is a Zip64 archive, which is not supported");
  }
  const entries = new Map<string, () => string>();
  let header = directory;
  for (let index = 0; index < count; index++) {
    if (header + 46 > zip.length || zip.readUInt32LE(header) !== CENTRAL_DIRECTORY_HEADER) {
      throw new ZipError(`central directory entry ${index} is damaged`);
    }
    const nameLength = zip.readUInt16LE(header + 28);
    const name = zip.toString("utf8", header + 46, header + 46 + nameLength);
    const at = header;
    if (!name.endsWith("/")) {
      entries.set(name, () =>
        createHash("sha256")
          .update(entryContent(zip, name, at))
          .digest("hex"),
      );
    }
    header += 46 + nameLength + zip.readUInt16LE(header + 30) + zip.readUInt16LE(header + 32);
  }
  return entries;
}
