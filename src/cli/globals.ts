/**
 * The flags every command takes, and how they resolve: the command line wins over the
 * environment, which wins over the default.
 */
import { readFile } from "node:fs/promises";
import { InvalidOptionsError, type MessageStoreOptions } from "../index.ts";
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
  user: { type: "string" },
  password: { type: "string" },
  token: { type: "string" },
  creds: { type: "string" },
  nkey: { type: "string" },
  tlsca: { type: "string" },
  tlscert: { type: "string" },
  tlskey: { type: "string" },
  "tls-ca": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
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
  ["--user <user>", "user to log in as; alone, a token (env NATS_USER)"],
  ["--password <password>", "password of --user (env NATS_PASSWORD)"],
  ["--token <token>", "token to log in with (env NATS_TOKEN)"],
  ["--creds <file>", "user credentials file, as nsc writes it (env NATS_CREDS)"],
  ["--nkey <file>", "file holding an nkey user seed (env NATS_NKEY)"],
  ["--tlsca <file>", "CA certificate that signed the server's (env NATS_CA; also --tls-ca)"],
  ["--tlscert <file>", "client certificate for TLS (env NATS_CERT; also --tls-cert)"],
  ["--tlskey <file>", "key of --tlscert (env NATS_KEY; also --tls-key)"],
  ["-h, --help", "show help"],
  ["--version", "print the version of mstore"],
];

/** The login and TLS flags (see `LoginFlags`), all taking a value. */
const LOGIN_FLAG_NAMES = [
  ...["user", "password", "token", "creds", "nkey"],
  ...["tlsca", "tlscert", "tlskey", "tls-ca", "tls-cert", "tls-key"],
];

/** Global flags that take a value, so the value is not mistaken for the command name. */
export const GLOBAL_VALUE_FLAGS: ReadonlySet<string> = new Set([
  "--url",
  "--prefix",
  "--timeout",
  ...LOGIN_FLAG_NAMES.map((name) => `--${name}`),
]);

export function resolveGlobals(flags: Flags, env: NodeJS.ProcessEnv): GlobalFlags {
  const envPrefix = env[PREFIX_ENV];
  return {
    url: flags.string("url") ?? nonEmpty(env[URL_ENV]) ?? DEFAULT_URL,
    prefix: flags.string("prefix") ?? nonEmpty(envPrefix),
    json: flags.boolean("json"),
    quiet: flags.boolean("quiet"),
    debug: flags.boolean("debug"),
    timeoutMs: flags.integer("timeout", 1),
    login: resolveLogin(flags, env),
  };
}

/**
 * How to log in to a secured server, with the `nats` CLI's flags and environment variables
 * (a flag wins over its variable). Secrets stay here and in the store's options: nothing
 * the CLI prints repeats them.
 */
export interface LoginFlags {
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly token: string | undefined;
  readonly credsFile: string | undefined;
  readonly nkeyFile: string | undefined;
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
}

function resolveLogin(flags: Flags, env: NodeJS.ProcessEnv): LoginFlags {
  const pick = (flag: string, variable: string, alias?: string): string | undefined =>
    flags.string(flag) ??
    (alias === undefined ? undefined : flags.string(alias)) ??
    nonEmpty(env[variable]);
  return {
    user: pick("user", "NATS_USER"),
    password: pick("password", "NATS_PASSWORD"),
    token: pick("token", "NATS_TOKEN"),
    credsFile: pick("creds", "NATS_CREDS"),
    nkeyFile: pick("nkey", "NATS_NKEY"),
    caFile: pick("tlsca", "NATS_CA", "tls-ca"),
    certFile: pick("tlscert", "NATS_CERT", "tls-cert"),
    keyFile: pick("tlskey", "NATS_KEY", "tls-key"),
  };
}

/**
 * The store options `login` stands for. As in the `nats` CLI, a user without a password is
 * a token. The nkey seed is read from its file here; an unreadable file is
 * `InvalidOptionsError`, naming the file but never its content.
 */
export async function loginOptions(login: LoginFlags): Promise<MessageStoreOptions> {
  const { user, password, token } = login;
  const options: MessageStoreOptions = {};
  if (user !== undefined && password === undefined) options.token = user;
  else if (user !== undefined) options.user = user;
  if (password !== undefined) options.password = password;
  if (token !== undefined) options.token = token;
  if (login.credsFile !== undefined) options.credsFile = login.credsFile;
  if (login.nkeyFile !== undefined) options.nkeySeed = await readSeed(login.nkeyFile);
  const { caFile, certFile, keyFile } = login;
  if (caFile !== undefined || certFile !== undefined || keyFile !== undefined) {
    options.tls = {
      ...(caFile === undefined ? {} : { caFile }),
      ...(certFile === undefined ? {} : { certFile }),
      ...(keyFile === undefined ? {} : { keyFile }),
    };
  }
  return options;
}

async function readSeed(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidOptionsError(`--nkey: cannot read ${file}: ${reason}`, { cause: error });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
