/**
 * NATS contexts: the connection settings the `nats` CLI saves (`nats context save NAME`) as
 * `$XDG_CONFIG_HOME/nats/context/NAME.json` (`~/.config/nats/…` when the variable is unset),
 * with the selected one named in `nats/context.txt`. A context gives what the caller did not:
 * the server URL, one way to log in, TLS files. It is read before anything reaches the wire,
 * and a setting the store cannot honour is refused rather than ignored, since ignoring a
 * JetStream domain or a proxy would reach a different server than the user meant.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { NatsContextError } from "./errors.ts";
import type { MessageStoreOptions, TlsOptions } from "./options.ts";

/** The login and TLS options a context can give. */
export type ContextOptions = Pick<
  MessageStoreOptions,
  "user" | "password" | "token" | "nkeySeed" | "credsFile" | "tls"
>;

export interface LoadedNatsContext {
  readonly name: string;
  readonly file: string;
  /** `undefined` when the context names no server. */
  readonly url: string | undefined;
  /** At most one way to log in, and the TLS files. */
  readonly options: ContextOptions;
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Settings the store cannot honour, and what to do instead. The `nats` CLI writes every
 * field, empty when unused, so only a value that is set is refused.
 */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  nsc: "it needs the nsc tool: save the user's creds file (nsc generate creds) and set creds",
  user_jwt: "put the JWT and seed in a creds file and set creds",
  user_seed: "put the JWT and seed in a creds file and set creds",
  jetstream_domain: "the store uses the JetStream of the account it logs in to",
  jetstream_api_prefix: "the store uses the JetStream of the account it logs in to",
  jetstream_event_prefix: "the store uses the JetStream of the account it logs in to",
  socks_proxy: "connect to the server directly",
  inbox_prefix: "the store uses the client's default inboxes",
  tls_first: "the store starts TLS the usual way, after the server's greeting",
  windows_cert_store: "give cert and key files",
  windows_cert_match_by: "give cert and key files",
  windows_cert_match: "give cert and key files",
  windows_ca_certs_match: "give a ca file",
};

/** Schemes of credential references newer `nats` CLIs resolve (op://, env://…); a path is all the store reads. */
const REFERENCE_SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** `$XDG_CONFIG_HOME/nats`, or `~/.config/nats`. */
export function natsConfigDir(env: Environment = process.env): string {
  const configHome = env.XDG_CONFIG_HOME;
  return join(
    configHome === undefined || configHome === "" ? join(homedir(), ".config") : configHome,
    "nats",
  );
}

/** The context selected with `nats context select`, or `undefined` when none is. */
export async function selectedNatsContext(
  env: Environment = process.env,
): Promise<string | undefined> {
  const file = join(natsConfigDir(env), "context.txt");
  try {
    const name = (await readFile(file, "utf8")).trim();
    return name === "" ? undefined : name;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    throw new NatsContextError("(selected)", file, `cannot read it: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}

/** Reads and checks the context `name`. Throws `NatsContextError`, naming no secret. */
export async function readNatsContext(
  name: string,
  env: Environment = process.env,
): Promise<LoadedNatsContext> {
  const directory = join(natsConfigDir(env), "context");
  // The `nats` CLI's rule: a name, not a path.
  if (name === "" || /[/\\]|\.\./.test(name) || hasControlCharacter(name)) {
    throw new NatsContextError(name, directory, "not a context name (a name, not a path)");
  }
  const file = join(directory, `${name}.json`);
  const fail: (problem: string, cause?: unknown) => never = (problem, cause) => {
    throw new NatsContextError(name, file, problem, cause === undefined ? {} : { cause });
  };
  let text = "";
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") {
      fail("no such context: save one with `nats context save`, or check XDG_CONFIG_HOME");
    }
    fail(`cannot read it: ${reasonOf(error)}`, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON.parse's message, nor the error as cause: it may quote the text, which holds secrets.
    fail("not a context: the file is not JSON");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    fail("not a context: the file holds no JSON object");
  }
  const settings = parsed as Record<string, unknown>;
  const stringField = (field: string): string => {
    const value = settings[field];
    if (value === undefined || value === null) return "";
    if (typeof value !== "string") return fail(`"${field}" must be a string`);
    return value;
  };
  for (const [field, instead] of Object.entries(UNSUPPORTED)) {
    const value = settings[field];
    const set = Array.isArray(value)
      ? value.length > 0
      : value !== undefined && value !== null && value !== "" && value !== false;
    if (set) fail(`"${field}" is set, which message-store does not support: ${instead}`);
  }
  const path = (field: string): string | undefined => {
    const value = stringField(field);
    if (value === "") return undefined;
    const scheme = REFERENCE_SCHEME.exec(value)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== "file") {
      fail(
        `"${field}" refers to a ${scheme}: reference, which message-store cannot resolve: give a file path`,
      );
    }
    return expandPath(scheme === "file" ? value.replace(/^file:\/\//i, "") : value, env);
  };
  const secret = (field: string): string | undefined => {
    const value = stringField(field);
    if (value === "") return undefined;
    // Name the scheme only: the value may be the secret itself.
    const scheme = /^(env|op|nsc):\/\//i.exec(value)?.[1];
    if (scheme !== undefined) {
      fail(
        `"${field}" refers to a ${scheme}:// reference, which message-store cannot resolve: give the value`,
      );
    }
    return value;
  };

  const user = stringField("user") || undefined;
  const password = secret("password");
  const token = secret("token");
  const credsFile = path("creds");
  const nkeyFile = path("nkey");
  const ways = [
    ...(user === undefined ? [] : ["user"]),
    ...(token === undefined ? [] : ["token"]),
    ...(credsFile === undefined ? [] : ["creds"]),
    ...(nkeyFile === undefined ? [] : ["nkey"]),
  ];
  if (ways.length > 1) fail(`gives more than one way to log in (${ways.join(", ")}): keep one`);
  if (user !== undefined && password === undefined) fail('"user" is set without a "password"');
  if (user === undefined && password !== undefined) fail('"password" is set without a "user"');

  const options: ContextOptions = {
    ...(user === undefined || password === undefined ? {} : { user, password }),
    ...(token === undefined ? {} : { token }),
    ...(credsFile === undefined ? {} : { credsFile }),
    ...(nkeyFile === undefined ? {} : { nkeySeed: await readSeedFile(nkeyFile, "nkey", fail) }),
    ...tlsOf(path("ca"), path("cert"), path("key")),
  };
  const url = stringField("url").trim();
  return { name, file, url: url === "" ? undefined : url, options };
}

function tlsOf(
  caFile: string | undefined,
  certFile: string | undefined,
  keyFile: string | undefined,
): { tls?: TlsOptions } {
  if (caFile === undefined && certFile === undefined && keyFile === undefined) return {};
  return {
    tls: {
      ...(caFile === undefined ? {} : { caFile }),
      ...(certFile === undefined ? {} : { certFile }),
      ...(keyFile === undefined ? {} : { keyFile }),
    },
  };
}

/**
 * Reads an nkey seed file (`nk -gen user` or `nsc` writes one), naming the file but never
 * its content when it fails; `fail` throws the caller's error.
 */
export async function readSeedFile(
  file: string,
  label: string,
  fail: (problem: string, cause?: unknown) => never,
): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    return fail(`${label}: cannot read ${file}: ${reasonOf(error)}`, error);
  }
}

/** `~` and `$VAR` or `${VAR}` expanded, as the `nats` CLI expands its file paths. */
function expandPath(path: string, env: Environment): string {
  const home = path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
  return home.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, braced?: string, bare?: string) => {
    return env[braced ?? bare ?? ""] ?? "";
  });
}

function hasControlCharacter(text: string): boolean {
  return [...text].some((character) => character < " " || character === "\u007f");
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && "code" in error ? error.code : undefined;
}

function reasonOf(error: unknown): string {
  const code = errorCode(error);
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}

const LOGIN_OPTIONS = ["user", "password", "token", "nkeySeed", "credsFile"] as const;

/**
 * `options` with what `context` gives and they do not: its login when neither the options
 * nor the URL give one (one way to log in is replaced whole, never mixed), and its TLS
 * files one by one. Explicit values always win.
 */
export function withNatsContext(
  options: MessageStoreOptions,
  urlGivesLogin: boolean,
  context: LoadedNatsContext | undefined,
): MessageStoreOptions {
  if (context === undefined) return options;
  const { tls: contextTls, ...contextLogin } = context.options;
  const loginGiven = urlGivesLogin || LOGIN_OPTIONS.some((key) => options[key] !== undefined);
  const merged: MessageStoreOptions = { ...(loginGiven ? {} : contextLogin), ...options };
  const tls = mergeTls(contextTls, options.tls);
  if (tls !== undefined) merged.tls = tls;
  return merged;
}

function mergeTls(
  fromContext: TlsOptions | undefined,
  given: TlsOptions | undefined,
): TlsOptions | undefined {
  // Anything but an object is left for the option checks to refuse.
  if (fromContext === undefined || given === null || typeof given !== "object") return given;
  const explicit = Object.fromEntries(
    Object.entries(given).filter(([, value]) => value !== undefined),
  );
  return { ...fromContext, ...explicit };
}
