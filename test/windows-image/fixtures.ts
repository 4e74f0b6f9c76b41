// Small client files in a temp dir, standing in for the operator's binaries.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CLIENT_FILES } from "../../config";

export interface ClientFixture {
  /** The project dir: image.clientSourceDir ("client") is inside it. */
  readonly projectDir: string;
  readonly clientDir: string;
  write(name: string, content: string): void;
  remove(): void;
}

export function clientFixture(): ClientFixture {
  const projectDir = mkdtempSync(join(tmpdir(), "hpc-fleet-image-test-"));
  const clientDir = join(projectDir, "client");
  mkdirSync(clientDir);
  const write = (name: string, content: string): void =>
    writeFileSync(join(clientDir, name), content);
  for (const file of DEFAULT_CLIENT_FILES) write(file.source, `contents of ${file.source}\n`);
  return { projectDir, clientDir, write, remove: () => rmSync(projectDir, { recursive: true }) };
}
