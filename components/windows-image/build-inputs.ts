// What goes into a Packer build: the template and scripts in this repository, the
// operator's client files, and the template's variables. Pure functions, so the
// trigger hash and the command's environment are testable without Pulumi.
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ArgProblem } from "../arg-problems";
import type { Tags } from "../tags";
import type { WindowsImageArgs } from "./args";
import type { FileOnDisk } from "./trigger-hash";

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
 * The template files (not the sample variables, which builds never load) and every
 * file under the scripts folder, whatever its kind (PowerShell, its module, the C# it
 * compiles): what the build uploads. Labelled by their path in the repository.
 */
export function repositoryBuildFiles(): FileOnDisk[] {
  const template = listFiles(TEMPLATE_DIR, (name) => name.endsWith(".pkr.hcl")).filter(
    (path) => !path.startsWith(`${SCRIPTS_DIR}${sep}`),
  );
  const scripts = listFiles(SCRIPTS_DIR, () => true);
  return [...template, ...scripts].sort().map((path) => ({
    label: relative(REPO_ROOT, path).split(sep).join("/"),
    path,
  }));
}

export interface ResolvedClientFile {
  /** Index in clientFiles, for problems that name the file. */
  readonly index: number;
  readonly absolutePath: string;
  /** As Packer's file provisioner gets it. */
  readonly packerSource: string;
  readonly destination: string;
}

/** clientSourceDir as an absolute path (it is relative to the project directory). */
export function clientSourceDirOf(
  args: Pick<WindowsImageArgs, "clientSourceDir">,
  projectDir: string,
): string {
  return isAbsolute(args.clientSourceDir)
    ? args.clientSourceDir
    : resolve(projectDir, args.clientSourceDir);
}

/** Resolves the client files against clientSourceDir (itself relative to the project directory). */
export function resolveClientFiles(
  args: Pick<WindowsImageArgs, "clientSourceDir" | "clientFiles">,
  projectDir: string,
  cwd: string = process.cwd(),
): ResolvedClientFile[] {
  const sourceDir = clientSourceDirOf(args, projectDir);
  return args.clientFiles.map((file, index) => {
    const absolutePath = resolve(sourceDir, file.source);
    return {
      index,
      absolutePath,
      packerSource: packerPath(absolutePath, cwd),
      destination: file.destination,
    };
  });
}

/**
 * Two files with one destination, and two sources with one base name (Packer stages them
 * in one directory), by property path.
 */
export function clashingClientFiles(files: readonly ResolvedClientFile[]): ArgProblem[] {
  const problems: ArgProblem[] = [];
  const byName = new Map<string, number>();
  const byDestination = new Map<string, number>();
  for (const file of files) {
    const name = basename(file.absolutePath).toLowerCase();
    const destination = file.destination.toLowerCase();
    const sameName = byName.get(name);
    if (sameName !== undefined) {
      problems.push({
        propertyPath: `clientFiles[${file.index}].source`,
        reason: `same file name as clientFiles[${sameName}]`,
      });
    }
    const sameDestination = byDestination.get(destination);
    if (sameDestination !== undefined) {
      problems.push({
        propertyPath: `clientFiles[${file.index}].destination`,
        reason: `same as clientFiles[${sameDestination}]`,
      });
    }
    byName.set(name, file.index);
    byDestination.set(destination, file.index);
  }
  return problems;
}

/** The client files that are not there (or are not files), by property path. */
export function missingClientFiles(files: readonly ResolvedClientFile[]): ArgProblem[] {
  return files
    .filter((file) => !existsSync(file.absolutePath) || !statSync(file.absolutePath).isFile())
    .map((file) => ({
      propertyPath: `clientFiles[${file.index}].source`,
      reason: `no file at ${file.absolutePath}`,
    }));
}

/** Client files as the trigger hash sees them: by destination, so a move also rebuilds. */
export function clientHashedFiles(files: readonly ResolvedClientFile[]): FileOnDisk[] {
  return files.map((file) => ({ label: `client:${file.destination}`, path: file.absolutePath }));
}

export type TemplateVariableInputs = Pick<
  WindowsImageArgs,
  "region" | "stack" | "buildInstanceType" | "buildAddress" | "namePrefix"
> & {
  readonly sourceImage: string;
  readonly vpcId: string;
  readonly vSwitchId: string;
  readonly buildSecurityGroupId: string;
  /** The image's own tags. */
  readonly tags: Tags;
  readonly clientFiles: readonly ResolvedClientFile[];
};

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
    instance_type: inputs.buildInstanceType,
    vpc_id: inputs.vpcId,
    vswitch_id: inputs.vSwitchId,
    security_group_id: inputs.buildSecurityGroupId,
    build_address: inputs.buildAddress,
    image_name_prefix: inputs.namePrefix,
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
