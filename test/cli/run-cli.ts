/**
 * Spawns the built `mstore` (dist/cli/main.js, built by the global setup) the way a user
 * runs it, and collects its exit code and output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const MAIN: string = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the variables the CLI reads, so a developer's shell cannot leak in. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.MESSAGE_STORE_URL;
  delete env.MESSAGE_STORE_PREFIX;
  delete env.COLUMNS;
  for (const name of Object.keys(env)) if (name.startsWith("NATS_")) delete env[name];
  return { ...env, ...extra };
}

export function startCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = cleanEnv(),
): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
}

/** What each started child has printed on stdout so far. */
const printed = new WeakMap<ChildProcess, string>();

/** Collects everything a started CLI prints until it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    printed.set(child, stdout);
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  const child = startCli(args, options.env ?? cleanEnv());
  const result = finished(child);
  // A command that exits before reading its input closes the pipe; that is not a failure.
  child.stdin?.on("error", () => {});
  child.stdin?.end(options.input ?? "");
  return result;
}

/**
 * Resolves with the first stdout line, printed so far or later, that satisfies `match`.
 * Call `finished(child)` first: it collects the output this reads.
 */
export function waitForLine(
  child: ChildProcess,
  match: (line: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const check = (): boolean => {
      const found = buffered.split("\n").slice(0, -1).find(match);
      if (found === undefined) return false;
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      resolve(found);
      return true;
    };
    const onData = (chunk: Buffer | string): void => {
      buffered += String(chunk);
      check();
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`mstore exited (${code}) before the line`));
    buffered = printed.get(child) ?? "";
    if (check()) return;
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** NDJSON lines as objects. */
export function parseLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
