// Writes small zips for the client-artifact tests with yazl (yauzl's writing half).
import { ZipFile } from "yazl";

export interface ZipEntry {
  /** A name ending in "/" is a directory. */
  readonly name: string;
  readonly content: string | Buffer;
  /** false stores the content; deflated by default. */
  readonly compress?: boolean;
  /** Unix mode bits, e.g. 0o120777 for a symbolic link (its content is the target). */
  readonly mode?: number;
}

export async function writeZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    if (entry.name.endsWith("/")) zip.addEmptyDirectory(entry.name);
    else
      zip.addBuffer(Buffer.from(entry.content), entry.name, {
        compress: entry.compress,
        mode: entry.mode,
      });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * `zip` with every copy of entry name `from` (local header and central directory) replaced
 * by `to`, of the same length: how a test gets a hostile name (`../x`) that yazl refuses
 * to write. The CRC covers the content only, so the zip stays readable.
 */
export function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  const [source, target] = [Buffer.from(from), Buffer.from(to)];
  if (source.length !== target.length) throw new Error("renameEntry: names must be as long");
  const out = Buffer.from(zip);
  for (let at = out.indexOf(source); at !== -1; at = out.indexOf(source, at + 1)) {
    target.copy(out, at);
  }
  return out;
}
