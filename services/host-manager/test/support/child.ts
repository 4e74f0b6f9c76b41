// Runs the real entry point (src/main.ts) in a child process and waits for its URL.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
}

const ROOT = join(__dirname, "..", "..");

export function startChild(
  env: Record<string, string>,
  timeoutMs = 20_000,
  options: {
    /** Run as this user (a test running as root, whom file modes do not stop, drops to one). */
    uid?: number;
    gid?: number;
    /**
     * RLIMIT_FSIZE in KiB: a write past it fails with EFBIG (Node ignores SIGXFSZ), as on a
     * full disk. Set with bash's `ulimit -f` (1 KiB blocks), which then execs node.
     */
    fileSizeLimitKib?: number;
  } = {},
): Promise<Child> {
  const { fileSizeLimitKib, ...user } = options;
  const args = ["-r", "ts-node/register/transpile-only", "src/main.ts"];
  const [command, argv] =
    fileSizeLimitKib === undefined
      ? [process.execPath, args]
      : [
          "bash",
          ["-c", `ulimit -f ${fileSizeLimitKib} && exec "$0" "$@"`, process.execPath, ...args],
        ];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...user,
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(https?:\/\/[^"]+)","cloud"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          process: child,
          url: match[1].replace("0.0.0.0", "127.0.0.1"),
          output: () => output,
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}:\n${output}`));
    });
  });
}

export function waitForExit(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}
