/**
 * Credentials and TLS for a secured nats-server, from `connect()`'s options and from its URL
 * (`nats://user:password@host:4222`, `nats://token@host:4222`). Checked once, before anything
 * reaches the wire; the servers handed on carry no credentials, and every URL the store
 * repeats in a message goes through `redactUrl`.
 */
import { InvalidOptionsError } from "./errors.ts";
import type { MessageStoreOptions, TlsOptions } from "./options.ts";

/** How the client logs in: one way at most. */
export type Credentials =
  | { readonly kind: "none" }
  | { readonly kind: "user"; readonly user: string; readonly password: string }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "nkey"; readonly seed: string }
  | { readonly kind: "creds"; readonly file: string };

/** `TlsOptions` checked: only the files given. */
export interface ResolvedTls {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface ConnectionSecurity {
  readonly credentials: Credentials;
  /** `undefined`: plain TCP unless a `tls://` URL or the server asks for TLS. */
  readonly tls: ResolvedTls | undefined;
}

export interface ParsedServers {
  /** `host:port` or `scheme://host:port`, without credentials. */
  readonly servers: string[];
  readonly credentials: Credentials;
}

const NONE: Credentials = { kind: "none" };
const SERVER_WITH_SCHEME = /^(nats|tls):\/\/[^\s/]+\/?$/;
const BARE_SERVER = /^[\w.-]+:\d+$/;

/** `url` with any user, password or token replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/([a-z][\w+.-]*:\/\/)[^/@\s,]*@/gi, "$1***@");
}

/**
 * Splits `nats://[user:password@]host:port[,…]` into servers and the credentials they carry.
 * Throws `InvalidOptionsError` (with the URL redacted) for anything else, or when servers
 * carry different credentials.
 */
export function parseServers(target: string): ParsedServers {
  const servers: string[] = [];
  const found: Credentials[] = [];
  for (const server of target.split(",").map((part) => part.trim())) {
    if (BARE_SERVER.test(server)) {
      servers.push(server);
      continue;
    }
    if (!SERVER_WITH_SCHEME.test(server)) {
      throw new InvalidOptionsError(
        `unsupported URL ${JSON.stringify(redactUrl(target))}: use "memory:", "memory:<name>" or "nats://host:port[,host:port…]"`,
      );
    }
    const url = new URL(server);
    found.push(credentialsInUrl(url));
    url.username = "";
    url.password = "";
    servers.push(`${url.protocol}//${url.host}`);
  }
  const distinct = new Set(found.map((credentials) => JSON.stringify(credentials)));
  if (distinct.size > 1) {
    throw new InvalidOptionsError(
      "the servers in the URL carry different credentials: give them once, in the URL of each server or as options",
    );
  }
  return { servers, credentials: found[0] ?? NONE };
}

function credentialsInUrl(url: URL): Credentials {
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (user === "" && password === "") return NONE;
  // The NATS convention: a user without a password is a token.
  if (password === "") return { kind: "token", token: user };
  return { kind: "user", user, password };
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new InvalidOptionsError(`${name} must be a non-empty string`);
  }
  return value;
}

/** The credentials the options give, or `none`. Never echoes a secret in its errors. */
function credentialsInOptions(options: MessageStoreOptions): Credentials {
  const user = optionalText(options.user, "user");
  const password = optionalText(options.password, "password");
  const token = optionalText(options.token, "token");
  const seed = optionalText(options.nkeySeed, "nkeySeed");
  const file = optionalText(options.credsFile, "credsFile");
  if ((user === undefined) !== (password === undefined)) {
    throw new InvalidOptionsError("user and password go together: give both or neither");
  }
  const given: Credentials[] = [];
  if (user !== undefined && password !== undefined) given.push({ kind: "user", user, password });
  if (token !== undefined) given.push({ kind: "token", token });
  if (seed !== undefined) {
    // A user seed is base32 and starts with "SU"; anything else cannot log in as a user.
    if (!/^SU[A-Z2-7]{56}$/.test(seed)) {
      throw new InvalidOptionsError(
        "nkeySeed must be an nkey user seed (58 characters starting with SU)",
      );
    }
    given.push({ kind: "nkey", seed });
  }
  if (file !== undefined) given.push({ kind: "creds", file });
  if (given.length > 1) {
    throw new InvalidOptionsError(
      "give one way to log in: user and password, token, nkeySeed or credsFile",
    );
  }
  return given[0] ?? NONE;
}

function resolveTls(tls: TlsOptions | undefined): ResolvedTls | undefined {
  if (tls === undefined) return undefined;
  if (tls === null || typeof tls !== "object") {
    throw new InvalidOptionsError("tls must be an object: { caFile?, certFile?, keyFile? }");
  }
  const fields: Record<string, unknown> = { ...tls };
  for (const key of Object.keys(fields)) {
    if (key !== "caFile" && key !== "certFile" && key !== "keyFile") {
      throw new InvalidOptionsError(`tls: unknown option ${JSON.stringify(key)}`);
    }
  }
  const caFile = optionalText(fields.caFile, "tls.caFile");
  const certFile = optionalText(fields.certFile, "tls.certFile");
  const keyFile = optionalText(fields.keyFile, "tls.keyFile");
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new InvalidOptionsError("tls.certFile and tls.keyFile go together: give both or neither");
  }
  return {
    ...(caFile === undefined ? {} : { caFile }),
    ...(certFile === undefined ? {} : { certFile }),
    ...(keyFile === undefined ? {} : { keyFile }),
  };
}

/**
 * The credentials and TLS to connect with: the options' or the URL's credentials (both at
 * once is refused, since one would silently lose).
 */
export function resolveSecurity(
  options: MessageStoreOptions,
  fromUrl: Credentials,
): ConnectionSecurity {
  const fromOptions = credentialsInOptions(options);
  if (fromOptions.kind !== "none" && fromUrl.kind !== "none") {
    throw new InvalidOptionsError(
      "credentials are given both in the URL and as options: give them once",
    );
  }
  return {
    credentials: fromOptions.kind === "none" ? fromUrl : fromOptions,
    tls: resolveTls(options.tls),
  };
}
