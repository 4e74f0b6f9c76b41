// What goes into a Packer build: the template and scripts in this repository, the
// operator's client files, and the template's variables. Pure functions, so the
// trigger hash and the command's environment are testable without Pulumi.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { StackConfig } from "../../config";
import type { FileOnDisk } from "./trigger-hash";

export type ImageConfig = StackConfig["image"];

/** The repository root: the template and scripts live beside this code, not in the project dir. */
export const REPO_ROOT = resolve(__dirname, "../..");
export const TEMPLATE_DIR = join(REPO_ROOT, "images", "windows");
export const SCRIPTS_DIR = join(TEMPLATE_DIR, "scripts");

/** A path as Packer is given it: relative to the working directory, forward slashes. */
export function packerPath(absolute: string, cwd: string = process.cwd()): string {
  const path = relative(cwd, absolute) || ".";
  return path.split(sep).join("/");
}

function listFiles(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(path, keep);
      return entry.isFile() && keep(entry.name) ? [path] : [];
    })
    .sort();
}

/**
 * The template files (not the sample variables, which builds never load) and
 * every script, labelled by their path in the repository.
 */
export function repositoryBuildFiles(): FileOnDisk[] {
  const files = listFiles(
    TEMPLATE_DIR,
    (name) => name.endsWith(".pkr.hcl") || name.endsWith(".ps1"),
  );
  return files.map((path) => ({
    label: relative(REPO_ROOT, path).split(sep).join("/"),
    path,
  }));
}

export interface ResolvedClientFile {
  /** Index in image.clientFiles, for messages that name the config key. */
  readonly index: number;
  readonly absolutePath: string;
  /** As Packer's file provisioner gets it. */
  readonly packerSource: string;
  readonly destination: string;
}

/**
 * Resolves image.clientFiles against clientSourceDir (itself relative to the
 * project directory). Rejects two files with one destination, and two sources with
 * one base name (Packer stages them in one directory).
 */
export function resolveClientFiles(
  image: Pick<ImageConfig, "clientSourceDir" | "clientFiles">,
  projectDir: string,
  cwd: string = process.cwd(),
): ResolvedClientFile[] {
  const sourceDir = isAbsolute(image.clientSourceDir)
    ? image.clientSourceDir
    : resolve(projectDir, image.clientSourceDir);
  const problems: string[] = [];
  const byName = new Map<string, number>();
  const byDestination = new Map<string, number>();
  const files = image.clientFiles.map((file, index) => {
    const absolutePath = resolve(sourceDir, file.source);
    const name = basename(absolutePath).toLowerCase();
    const destination = file.destination.toLowerCase();
    if (byName.has(name)) {
      problems.push(
        `hpc-fleet:image.clientFiles[${index}].source: same file name as clientFiles[${byName.get(name)}]`,
      );
    }
    if (byDestination.has(destination)) {
      problems.push(
        `hpc-fleet:image.clientFiles[${index}].destination: same as clientFiles[${byDestination.get(destination)}]`,
      );
    }
    byName.set(name, index);
    byDestination.set(destination, index);
    return {
      index,
      absolutePath,
      packerSource: packerPath(absolutePath, cwd),
      destination: file.destination,
    };
  });
  if (problems.length > 0) throw new Error(`Invalid client files:\n  ${problems.join("\n  ")}`);
  return files;
}

/** The client files that are not there (or are not files), as messages naming their keys. */
export function missingClientFiles(files: readonly ResolvedClientFile[]): string[] {
  return files
    .filter((file) => !existsSync(file.absolutePath) || !statSync(file.absolutePath).isFile())
    .map(
      (file) =>
        `hpc-fleet:image.clientFiles[${file.index}].source: no file at ${file.absolutePath}`,
    );
}

/** Client files as the trigger hash sees them: by destination, so a move also rebuilds. */
export function clientHashedFiles(files: readonly ResolvedClientFile[]): FileOnDisk[] {
  return files.map((file) => ({ label: `client:${file.destination}`, path: file.absolutePath }));
}

export interface TemplateVariableInputs {
  readonly image: ImageConfig;
  readonly region: string;
  readonly stack: string;
  readonly sourceImage: string;
  readonly vSwitchId: string;
  readonly buildSecurityGroupId: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly clientFiles: readonly ResolvedClientFile[];
}

/**
 * Every variable of windows.pkr.hcl except the three the build fills in itself:
 * winrm_password (a secret, passed apart), content_hash (the hash of these) and
 * manifest_path (a temporary directory of each run). Tags and client files are
 * JSON strings: Packer reads string variables literally, never as templates.
 */
export function templateVariables(inputs: TemplateVariableInputs): Record<string, string> {
  return {
    region: inputs.region,
    source_image: inputs.sourceImage,
    instance_type: inputs.image.buildInstanceType,
    vswitch_id: inputs.vSwitchId,
    security_group_id: inputs.buildSecurityGroupId,
    build_address: inputs.image.buildAddress,
    image_name_prefix: inputs.image.namePrefix,
    description: `hpc-fleet Windows image for stack ${inputs.stack}`,
    tags_json: JSON.stringify(inputs.tags),
    client_files_json: JSON.stringify(
      inputs.clientFiles.map((file) => ({
        source: file.packerSource,
        destination: file.destination,
      })),
    ),
  };
}

/** Template variables as the environment Packer reads them from. */
export function packerEnvironment(
  variables: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [`PKR_VAR_${name}`, value]),
  );
}
