/**
 * The flags every command takes, and how they resolve: the command line wins over the
 * environment, which wins over the default.
 */
import type { GlobalFlags, OptionSpecs } from "./command.ts";
import type { Flags } from "./flags.ts";

/**
 * The CLI talks to NATS unless told otherwise (the NATS convention), while the library's own
 * `connect()` defaults to `memory:`: a command-line store that forgets everything on exit
 * would surprise more than it helps.
 */
export const DEFAULT_URL = "nats://127.0.0.1:4222";
export const URL_ENV = "MESSAGE_STORE_URL";
export const PREFIX_ENV = "MESSAGE_STORE_PREFIX";

export const GLOBAL_OPTIONS: OptionSpecs = {
  url: { type: "string" },
  prefix: { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
};

export const GLOBAL_OPTION_HELP: ReadonlyArray<readonly [string, string]> = [
  [
    "--url <url>",
    `store URL: nats://host:port[,host:port…] or memory: (env ${URL_ENV}; default ${DEFAULT_URL})`,
  ],
  [
    "--prefix <prefix>",
    `namespace of subjects and JetStream streams (env ${PREFIX_ENV}; default none)`,
  ],
  ["--timeout <ms>", "how long to wait for the server (default 5000)"],
  ["--json", "machine-readable output on stdout (see docs/cli.md)"],
  ["-q, --quiet", "no progress, totals or confirmations on stderr/stdout; errors still print"],
  ["--debug", "show stack traces and causes of errors"],
  ["-h, --help", "show help"],
  ["--version", "print the version of mstore"],
];

/** Global flags that take a value, so the value is not mistaken for the command name. */
export const GLOBAL_VALUE_FLAGS: ReadonlySet<string> = new Set(["--url", "--prefix", "--timeout"]);

export function resolveGlobals(flags: Flags, env: NodeJS.ProcessEnv): GlobalFlags {
  const envPrefix = env[PREFIX_ENV];
  return {
    url: flags.string("url") ?? nonEmpty(env[URL_ENV]) ?? DEFAULT_URL,
    prefix: flags.string("prefix") ?? nonEmpty(envPrefix),
    json: flags.boolean("json"),
    quiet: flags.boolean("quiet"),
    debug: flags.boolean("debug"),
    timeoutMs: flags.integer("timeout", 1),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
