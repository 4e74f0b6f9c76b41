// Writes small zips for the client-artifact tests with yazl (yauzl's writing half).
import { ZipFile } from "yazl";

export interface ZipEntry {
  /** A name ending in "/" is a directory. */
  readonly name: string;
  readonly content: string | Buffer;
  /** false stores the content; deflated by default. */
  readonly compress?: boolean;
}

export async function writeZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    if (entry.name.endsWith("/")) zip.addEmptyDirectory(entry.name);
    else zip.addBuffer(Buffer.from(entry.content), entry.name, { compress: entry.compress });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
