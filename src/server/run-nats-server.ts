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
}

export interface RunningNatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly version: string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes what `start` created. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would: the store is left as it is, and `restart()` may follow. */
  kill(): Promise<void>;
  /** Stops the server if it runs, then starts it on the same port and store. */
  restart(): Promise<void>;
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
 * The name starts with the binary's file name, which need not be `nats-server`.
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

  async launch(): Promise<void> {
    const args = [
      ...["-a", this.#host, "-p", String(this.port), "-js", "-sd", this.storeDir],
      ...["--ports_file_dir", this.#portsDir],
      ...(this.#configFile === undefined ? [] : ["-c", this.#configFile]),
      ...(this.#options.extraArgs ?? []),
    ];
    const child = spawn(this.#options.binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
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
      if (hasExited(child))
        throw this.#failure(`exited with ${child.exitCode ?? child.signalCode}`);
      if (this.port <= 0 && child.pid !== undefined) {
        this.port = (await portFromPortsFile(this.#portsDir, child.pid)) ?? -1;
      }
      if (this.port > 0 && (await acceptsConnections(this.#host, this.port))) return;
      await sleep(25);
    }
    child.kill("SIGKILL");
    throw this.#failure(`did not accept connections within ${timeoutMs} ms`);
  }

  #failure(what: string): Error {
    const output = this.#recentOutput.slice(-10).join("\n");
    return new Error(`nats-server ${this.#options.binary} ${what}\n${output}`);
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
