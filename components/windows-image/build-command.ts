// The shell command that builds the image. It holds no value that varies by
// machine or secret: everything reaches Packer through the environment (the
// access keys from the operator's own ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY),
// because a changed `create` string would make the command run, and build, again.
import { packerPath, TEMPLATE_DIR } from "./build-inputs";

const NEED_KEYS = "set ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY to build the image";

/**
 * `packer init` + `packer build` in a temporary directory for the manifest;
 * Packer's own output goes to stderr so that stdout is the manifest alone.
 */
export function buildCommand(templateDir: string = packerPath(TEMPLATE_DIR)): string {
  const template = `'${templateDir.replace(/'/g, `'\\''`)}'`;
  return [
    "set -eu",
    `: "\${ALICLOUD_ACCESS_KEY:?${NEED_KEYS}}" "\${ALICLOUD_SECRET_KEY:?${NEED_KEYS}}"`,
    'work="$(mktemp -d "${TMPDIR:-/tmp}/hpc-fleet-image.XXXXXX")"',
    `trap 'rm -rf "$work"' EXIT`,
    'export PKR_VAR_manifest_path="$work/manifest.json"',
    `packer init ${template} >&2`,
    `packer build -color=false -timestamp-ui ${template} >&2`,
    'cat "$work/manifest.json"',
  ].join("\n");
}
