// Parses PowerShell with tree-sitter-powershell. Its grammar flags some valid
// scripts, so parse errors are returned (and printed) as warnings, not failures.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Language, Node, Parser, Tree } from "web-tree-sitter";
import { REPO_ROOT, SCRIPTS_DIR } from "../../components/windows-image/build-inputs";

const WASM = require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm");

let parser: Parser | undefined;

async function powershellParser(): Promise<Parser> {
  if (!parser) {
    await Parser.init();
    parser = new Parser();
    // Bytes, not a path: loading from a path needs a dynamic import, which Jest refuses.
    parser.setLanguage(await Language.load(readFileSync(WASM)));
  }
  return parser;
}

export interface ParsedScript {
  readonly name: string;
  readonly text: string;
  readonly tree: Tree;
  /** "line:column: text" of each ERROR or MISSING node. */
  readonly parseWarnings: string[];
}

function collectErrors(node: Node, found: string[]): void {
  if (node.isError || node.isMissing) {
    const where = `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
    found.push(`${where}: ${node.text.split("\n")[0].slice(0, 80)}`);
    return;
  }
  for (const child of node.children) if (child) collectErrors(child, found);
}

export async function parseScript(path: string): Promise<ParsedScript> {
  const text = readFileSync(path, "utf8");
  const tree = (await powershellParser()).parse(text);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${path}`);
  const parseWarnings: string[] = [];
  if (tree.rootNode.hasError) collectErrors(tree.rootNode, parseWarnings);
  const name = relative(REPO_ROOT, path);
  if (parseWarnings.length > 0) {
    console.warn(
      `tree-sitter-powershell flags ${name} (warnings):\n  ${parseWarnings.join("\n  ")}`,
    );
  }
  return { name, text, tree, parseWarnings };
}

/** Every .ps1 under images/windows/scripts/, relative to it. */
export function scriptNames(dir: string = SCRIPTS_DIR, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? scriptNames(join(dir, entry.name), `${prefix}${entry.name}/`)
        : entry.name.endsWith(".ps1")
          ? [`${prefix}${entry.name}`]
          : [],
    )
    .sort();
}

export interface CommandCall {
  readonly name: string;
  /** The whole call as written, e.g. `Set-Item -Path ... -Value $true`. */
  readonly text: string;
}

/** The commands a script calls (cmdlets, functions, external programs), in order. */
export function commandCalls(script: ParsedScript): CommandCall[] {
  return script.tree.rootNode.descendantsOfType("command").flatMap((node) => {
    const name = node?.childForFieldName("command_name")?.text;
    return node && name ? [{ name, text: node.text }] : [];
  });
}

/** The calls of one command (case-insensitive, as PowerShell resolves them). */
export function callsOf(script: ParsedScript, command: string): CommandCall[] {
  return commandCalls(script).filter((call) => call.name.toLowerCase() === command.toLowerCase());
}
