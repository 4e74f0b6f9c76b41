// Which changed files can change what `pulumi up` does. up.yml's `on.push.paths` is exactly
// DEPLOY_PATHS (a test keeps them equal), and the preview workflow skips its cloud preview
// when no changed file matches, so a README change neither deploys nor previews in the
// cloud (its offline diff still runs and says "No changes").
//
// The list ignores what is known not to matter and deploys on anything else: a new
// directory the program starts to read deploys without anyone remembering this file.

/** GitHub's filter patterns, in order: a later `!pattern` excludes, a later pattern re-includes. */
export const DEPLOY_PATHS: readonly string[] = [
  "**",
  "!**.md",
  "!LICENSE",
  "!docs/**",
  "!test/**",
  "!bench/**",
  // The host-manager's code ships as a container image the stacks name by tag.
  "!services/**",
  // The bootstrap stack is applied by hand, with an administrator's credentials.
  "!ci-identity/**",
  // Offline tools the deploy does not run.
  "!tools/plan/**",
  "!tools/docs/**",
  "!tools/mocks/**",
  "!.ci/**",
  "!.prettierrc.json",
  "!.prettierignore",
  "!eslint.config.mjs",
  "!.github/workflows/test.yml",
  "!.github/workflows/windows.yml",
  "!.github/workflows/preview.yml",
  "!.github/workflows/preview-comment.yml",
  "!.github/scripts/upsert-pr-comment.sh",
  // Every file under the image's scripts goes into the image's content hash, whatever its name.
  "images/windows/scripts/**",
];

/** A GitHub filter pattern as a regular expression: `**` crosses directories, `*` does not. */
export function patternRegExp(pattern: string): RegExp {
  let source = "";
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "*" && pattern[index + 1] === "*") {
      source += ".*";
      index++;
    } else if (char === "*") {
      source += "[^/]*";
    } else {
      source += char.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

/** Whether `file` matches `patterns` as GitHub evaluates them: the last matching pattern decides. */
export function matchesPaths(file: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    if (patternRegExp(negated ? pattern.slice(1) : pattern).test(file)) matched = !negated;
  }
  return matched;
}

/** Whether any changed file can change a deploy. */
export function changesDeploy(files: readonly string[]): boolean {
  return files.some((file) => matchesPaths(file, DEPLOY_PATHS));
}
