/**
 * Runs one nats-server child process with JetStream: for the test suite (a free port and a
 * temporary store) and for `mstore dev` (a fixed port and a persistent store). It can be
 * killed and restarted on the same port and store, which is what failure tests need.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readNatsServerVersion } from "./server-version.ts";

export interface StartNatsServerOptions {
  readonly binary: string;
  /** JetStream's store. @default a new temporary directory, removed by `stop()` */
  readonly storeDir?: string;
  /** @default -1: a free port, read back from the server's ports file */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /** More command-line flags, such as `--max_payload` or `-DV`. */
  readonly extraArgs?: readonly string[];
  /**
   * A configuration file's text (for what has no flag: nkeys, TLS client verification,
   * accounts), written to a temporary file passed with `-c`. Flags still win over it.
   */
  readonly config?: string;
  /** Receives the server's own log lines. @default they are kept only for error messages */
  readonly output?: (line: string) => void;
  /** How long a start or restart may take before it fails. @default 20000 */
  readonly readyTimeoutMs?: number;
  /**
   * Runs the server in a process group of its own, so a Ctrl-C in the terminal reaches only
   * this process, which then stops the server itself: the server cannot be seen to exit on
   * its own before the signal is handled. Children are still killed when this process exits.
   * @default false
   */
  readonly ownProcessGroup?: boolean;
}

export interface RunningNatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly version: string;
  /** The running server's process id (it changes with `restart()`). */
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL) and removes what `start` created. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would: the store is left as it is, and `restart()` may follow. */
  kill(): Promise<void>;
  /** Stops the server if it runs, then starts it on the same port and store. */
  restart(): Promise<void>;
  /**
   * Resolves when the running server process exits, for whatever reason (a crash, a kill,
   * `stop()`), with its exit code and last lines of output. A foreground server such as
   * `mstore dev` waits on this to say why it stopped instead of vanishing.
   */
  exited(): Promise<NatsServerExitError>;
}

/** A nats-server process that ended: how (code or signal) and what it said last. */
export class NatsServerExitError extends Error {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The server's last lines of output, oldest first. */
  readonly output: readonly string[];

  constructor(
    /** When it exited, e.g. "before it was ready"; may be empty. */
    when: string,
    exit: { exitCode: number | null; signal: NodeJS.Signals | null },
    output: readonly string[],
  ) {
    const how = exit.signal === null ? `with code ${exit.exitCode}` : `on ${exit.signal}`;
    // The fatal line says why (a taken port, a locked store); without one, the last lines.
    const fatal = output.filter((line) => /\[(FTL|ERR)\]/.test(line));
    const shown = (fatal.length > 0 ? fatal : output.slice(-5)).map(withoutLogPrefix);
    super([`nats-server exited ${how}${when === "" ? "" : ` ${when}`}`, ...shown].join("\n"));
    this.name = "NatsServerExitError";
    this.exitCode = exit.exitCode;
    this.signal = exit.signal;
    this.output = output;
  }
}

/** `[1234] 2026/12/04 18:21:46.270882 [FTL] text` -> `[FTL] text`. */
function withoutLogPrefix(line: string): string {
  return line.replace(/^\[\d+\] \S+ \S+ /, "");
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_LINES_KEPT = 40;

/** Children still running; killed if this process exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const running of liveChildren) running.kill("SIGKILL");
    });
  }
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

function exitOf(child: ChildProcess): { exitCode: number | null; signal: NodeJS.Signals | null } {
  return { exitCode: child.exitCode, signal: child.signalCode };
}

function acceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * The port the server wrote to `<dir>/<binary name>_<pid>.ports` (`{"nats":["nats://h:p"]}`).
 * The name starts with the binary's file name, which need not be `nats-server`. The server
 * writes it only once it listens, so it proves that *this* process holds the port: another
 * server already on a fixed port would accept connections too.
 */
async function portFromPortsFile(dir: string, pid: number): Promise<number | undefined> {
  const name = (await readdir(dir)).find((entry) => entry.endsWith(`_${pid}.ports`));
  if (name === undefined) return undefined;
  try {
    const ports = JSON.parse(await readFile(join(dir, name), "utf8")) as { nats?: string[] };
    const url = ports.nats?.[0];
    return url === undefined ? undefined : Number(new URL(url).port);
  } catch {
    return undefined; // Written but not complete yet.
  }
}

class NatsServerProcess implements RunningNatsServer {
  readonly storeDir: string;
  readonly version: string;
  port: number;
  readonly #options: StartNatsServerOptions;
  readonly #host: string;
  readonly #portsDir: string;
  readonly #configFile: string | undefined;
  readonly #ownsStoreDir: boolean;
  readonly #recentOutput: string[] = [];
  #child: ChildProcess | undefined;
  #closed: Promise<unknown> = Promise.resolve();
  #stopping: Promise<void> | undefined;

  constructor(
    options: StartNatsServerOptions,
    dirs: { storeDir: string; portsDir: string; ownsStoreDir: boolean; configFile?: string },
    version: string,
  ) {
    this.#options = options;
    this.#host = options.host ?? "127.0.0.1";
    this.port = options.port ?? -1;
    this.storeDir = dirs.storeDir;
    this.#portsDir = dirs.portsDir;
    this.#configFile = dirs.configFile;
    this.#ownsStoreDir = dirs.ownsStoreDir;
    this.version = version;
  }

  get url(): string {
    return `nats://${this.#host}:${this.port}`;
  }

  get pid(): number {
    return this.#child?.pid ?? 0;
  }

  async launch(): Promise<void> {
    const args = [
      ...["-a", this.#host, "-p", String(this.port), "-js", "-sd", this.storeDir],
      ...["--ports_file_dir", this.#portsDir],
      ...(this.#configFile === undefined ? [] : ["-c", this.#configFile]),
      ...(this.#options.extraArgs ?? []),
    ];
    const child = spawn(this.#options.binary, args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: this.#options.ownProcessGroup === true,
    });
    this.#child = child;
    this.#closed = new Promise((resolve) => child.once("close", resolve));
    track(child);
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.#record(chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.#record(chunk));
    await this.#waitUntilReady(child);
  }

  #record(chunk: string): void {
    for (const line of chunk.split("\n")) {
      if (line === "") continue;
      this.#options.output?.(line);
      this.#recentOutput.push(line);
      if (this.#recentOutput.length > OUTPUT_LINES_KEPT) this.#recentOutput.shift();
    }
  }

  async #waitUntilReady(child: ChildProcess): Promise<void> {
    const timeoutMs = this.#options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (hasExited(child)) {
        await this.#closed; // its last output, which says why, may still be in the pipe
        throw this.#exitError(child, "before it was ready");
      }
      const listening =
        child.pid === undefined ? undefined : await portFromPortsFile(this.#portsDir, child.pid);
      if (listening !== undefined && (await acceptsConnections(this.#host, listening))) {
        this.port = listening;
        return;
      }
      await sleep(25);
    }
    child.kill("SIGKILL");
    const output = this.#recentOutput.slice(-10).join("\n");
    throw new Error(
      `nats-server ${this.#options.binary} did not accept connections within ${timeoutMs} ms\n${output}`,
    );
  }

  #exitError(child: ChildProcess, when: string): NatsServerExitError {
    return new NatsServerExitError(when, exitOf(child), [...this.#recentOutput]);
  }

  async exited(): Promise<NatsServerExitError> {
    const child = this.#child;
    if (child === undefined) throw new Error("nats-server was never started");
    // "close" comes after "exit" and after the last output, which says why it ended.
    await this.#closed;
    return this.#exitError(child, "");
  }

  async #terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (child === undefined || hasExited(child)) return;
    child.kill(signal);
    const forced = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await waitForExit(child);
    clearTimeout(forced);
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#terminate("SIGTERM");
      await rm(this.#portsDir, { recursive: true, force: true });
      if (this.#ownsStoreDir) await rm(this.storeDir, { recursive: true, force: true });
    })();
    return this.#stopping;
  }

  kill(): Promise<void> {
    return this.#terminate("SIGKILL");
  }

  async restart(): Promise<void> {
    if (this.#stopping !== undefined) throw new Error("nats-server was stopped; start a new one");
    await this.#terminate("SIGTERM");
    await this.launch();
  }
}

/** Starts nats-server with JetStream and resolves once it accepts connections. */
export async function startNatsServer(options: StartNatsServerOptions): Promise<RunningNatsServer> {
  const version = (await readNatsServerVersion(options.binary)) ?? "unknown";
  const portsDir = await mkdtemp(join(tmpdir(), "nats-ports-"));
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), "nats-store-")));
  // The ports directory is ours and removed by `stop()`, so the config file lives there too.
  const configFile = options.config === undefined ? undefined : join(portsDir, "server.conf");
  if (configFile !== undefined) await writeFile(configFile, options.config ?? "", { mode: 0o600 });
  const server = new NatsServerProcess(
    options,
    {
      storeDir,
      portsDir,
      ownsStoreDir: options.storeDir === undefined,
      ...(configFile === undefined ? {} : { configFile }),
    },
    version,
  );
  try {
    await server.launch();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
