/**
 * `mstore dev`: a local nats-server with JetStream and a persistent store, in the
 * foreground, for development. The binary is found (or fetched) as the test suite does it.
 */
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { findNatsServer } from "../../server/find-nats-server.ts";
import { startNatsServer } from "../../server/run-nats-server.ts";
import type { Command } from "../command.ts";

const DEFAULT_DATA_DIR = "./.message-store";
const DEFAULT_PORT = 4222;

/** Ctrl-C, a kill, or the terminal closing (SIGHUP): the server runs in its own process group, so dev must pass each on. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function untilSignal(): Promise<string> {
  return new Promise((done) => {
    const stop = (signal: string): void => {
      for (const name of STOP_SIGNALS) process.off(name, stop);
      done(signal);
    };
    for (const name of STOP_SIGNALS) process.on(name, stop);
  });
}

export const devCommand: Command = {
  name: "dev",
  summary: "run a local nats-server with JetStream and a persistent store, until Ctrl-C",
  synopsis: "[options]",
  description: [
    "Uses NATS_SERVER_BIN, then PATH, then your cache directory (XDG_CACHE_HOME, ~/.cache,",
    "~/Library/Caches or %LOCALAPPDATA%), and otherwise fetches nats-server from Debian's",
    "archive into that cache (needs apt-get). Prints the URL to use as --url.",
  ].join("\n"),
  options: {
    data: { type: "string" },
    port: { type: "string" },
  },
  optionHelp: [
    ["--data <dir>", `JetStream's store directory (default ${DEFAULT_DATA_DIR})`],
    ["--port <n>", `port to listen on, 0 for any free one (default ${DEFAULT_PORT})`],
  ],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const storeDir = resolve(context.flags.string("data") ?? DEFAULT_DATA_DIR);
    const port = context.flags.integer("port", 0) ?? DEFAULT_PORT;
    // Listening before the server starts: a Ctrl-C during the start still stops it cleanly.
    const signalled = untilSignal();
    const binary = await findNatsServer({ log: (line) => context.note(line) });
    await mkdir(storeDir, { recursive: true });
    const server = await startNatsServer({
      binary: binary.path,
      storeDir,
      port: port === 0 ? -1 : port,
      ownProcessGroup: true,
    });
    try {
      if (context.globals.json) {
        const { url, port, pid, version } = server;
        await context.stdout.line(
          JSON.stringify({ url, port, storeDir, version, pid, binary: binary.path }),
        );
      } else {
        await context.stdout.line(server.url);
        context.note(
          `nats-server ${server.version} (${binary.path}) with JetStream, store ${storeDir}`,
        );
        context.note("Ctrl-C to stop.");
      }
      await context.stdout.flush();
      // A server that dies (killed, out of disk) ends dev with its reason, not in silence.
      const ended = await Promise.race([signalled, server.exited()]);
      if (typeof ended !== "string") throw ended;
    } finally {
      await server.stop();
    }
    context.note("nats-server stopped.");
    return undefined;
  },
};
