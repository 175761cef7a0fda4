/**
 * Options are checked and resolved once, at `connect`; everything after reads the resolved
 * shape, which has nothing optional. Unknown keys are refused so a typo is not silently ignored.
 */
import { InvalidOptionsError } from "./errors.ts";
import { INSTRUMENTATION_METHODS, type Instrumentation } from "./instrumentation.ts";
import { checkOptionKeys, positiveInteger } from "./option-checks.ts";
import { checkPrefix } from "./stream-name.ts";

/** pino-shaped: any pino, bunyan or console-like logger fits. */
export interface Logger {
  debug(object: unknown, message?: string): void;
  info(object: unknown, message?: string): void;
  warn(object: unknown, message?: string): void;
  error(object: unknown, message?: string): void;
}

export interface MessageStoreOptions {
  /**
   * Namespace for every subject and JetStream stream: category `account` lives in the
   * JetStream stream `{prefix}-account` on subjects `{prefix}.account.>`.
   * @default ""
   */
  prefix?: string | undefined;
  /**
   * Create a category's JetStream stream on its first write. When `false`, a write to a
   * category without a stream throws `StreamNotFoundError`; `ensureCategory` still creates.
   * @default true
   */
  createMissingStreams?: boolean | undefined;
  /** @default a silent logger */
  logger?: Logger | undefined;
  /**
   * Byte limit of each category made by the store. A full category refuses writes with
   * `StreamFullError`; it never drops stored events.
   * @default undefined (no limit)
   */
  maxBytes?: number | undefined;
  /**
   * Largest encoded message accepted, in bytes.
   * @default 1 MiB on memory; the server's `max_payload` on NATS
   */
  maxMessageSize?: number | undefined;
  /**
   * Replicas of each JetStream stream the store creates.
   * @default 1
   */
  replicas?: number | undefined;
  /**
   * How long `connect` waits for the first connection, and a write for a reconnect.
   * @default 5000
   */
  timeoutMs?: number | undefined;
  /**
   * Tracing and metrics: `otelInstrumentation()` from `message-store/otel`, or your own
   * `Instrumentation` (see `src/instrumentation.ts`).
   * @default undefined (nothing is recorded, at no cost)
   */
  instrumentation?: Instrumentation | undefined;
  /**
   * Logging in to a secured nats-server: give one of `user` with `password`, `token`,
   * `nkeySeed` or `credsFile` (credentials in the URL, `nats://user:password@host:4222`, work
   * too). A refused login fails `connect` at once with `AuthorizationError`.
   * @default none
   */
  user?: string | undefined;
  /** @see user */
  password?: string | undefined;
  /** @see user */
  token?: string | undefined;
  /** An nkey user's seed (`SU…`), as `nk -gen user` prints it. @see user */
  nkeySeed?: string | undefined;
  /** A `.creds` file (user JWT and seed), as `nsc` writes it. @see user */
  credsFile?: string | undefined;
  /**
   * TLS to the server: which CA to trust and, for a server that verifies clients, this
   * client's certificate. A `tls://` URL turns TLS on with the system's CAs.
   * @default none (plain TCP unless the server asks for TLS)
   */
  tls?: TlsOptions | undefined;
  /**
   * A NATS context saved by the `nats` CLI (`nats context save NAME`), read from
   * `$XDG_CONFIG_HOME/nats/context/NAME.json` (`~/.config/nats/…` by default). It gives the
   * server URL, the login and the TLS files wherever the URL and these options give none;
   * what you give explicitly wins. A missing, unreadable or malformed context is
   * `NatsContextError` (an `InvalidOptionsError`).
   * @default none
   */
  context?: string | undefined;
}

/** PEM files for TLS. */
export interface TlsOptions {
  /** The CA certificate(s) that signed the server's. @default the system's CAs */
  caFile?: string | undefined;
  /** This client's certificate, for a server that verifies clients; needs `keyFile`. */
  certFile?: string | undefined;
  /** The key of `certFile`. */
  keyFile?: string | undefined;
}

export interface ResolvedOptions {
  readonly prefix: string;
  readonly createMissingStreams: boolean;
  readonly logger: Logger;
  readonly maxBytes: number | undefined;
  /** `undefined` until the backend knows its limit (NATS reads `max_payload` at connect). */
  readonly maxMessageSize: number | undefined;
  readonly replicas: number;
  readonly timeoutMs: number;
  readonly instrumentation: Instrumentation | undefined;
}

export const DEFAULT_PREFIX = "";
export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_REPLICAS = 1;
export const MEMORY_MAX_MESSAGE_SIZE: number = 1024 * 1024;
/** Transient backend failures (no responders, 503) are retried until `timeoutMs`, first after this delay, doubling. */
export const TRANSIENT_RETRY_DELAY_MS = 250;

const noop = (): void => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * The options that only say how to open a connection: how to log in, TLS, and a NATS context
 * to read them from (checked by connection-security.ts and nats-context.ts). They are not
 * kept in the resolved options, so no secret is reachable from `store.options`, and they mean
 * nothing to a store over a connection that is already open (`fromNats` refuses them).
 */
export const CONNECTION_ONLY_OPTIONS: readonly string[] = [
  "user",
  "password",
  "token",
  "nkeySeed",
  "credsFile",
  "tls",
  "context",
];

const KNOWN_KEYS = new Set([
  "prefix",
  "createMissingStreams",
  "logger",
  "maxBytes",
  "maxMessageSize",
  "replicas",
  "timeoutMs",
  "instrumentation",
  ...CONNECTION_ONLY_OPTIONS,
]);

/** Resolves options, applying the defaults. Throws `InvalidOptionsError`. */
export function resolveOptions(options: MessageStoreOptions = {}): ResolvedOptions {
  checkOptionKeys(options, KNOWN_KEYS, "connect");
  // The same rules as a category: the prefix is part of every JetStream stream name.
  const prefix = checkPrefix(options.prefix ?? DEFAULT_PREFIX);
  const createMissingStreams = options.createMissingStreams ?? true;
  if (typeof createMissingStreams !== "boolean") {
    throw new InvalidOptionsError("createMissingStreams must be a boolean");
  }
  const logger = options.logger ?? silentLogger;
  if (typeof logger.debug !== "function" || typeof logger.warn !== "function") {
    throw new InvalidOptionsError("logger must have debug, info, warn and error methods");
  }
  return {
    prefix,
    createMissingStreams,
    logger,
    maxBytes: positiveInteger(options.maxBytes, "maxBytes"),
    maxMessageSize: positiveInteger(options.maxMessageSize, "maxMessageSize"),
    replicas: positiveInteger(options.replicas, "replicas") ?? DEFAULT_REPLICAS,
    timeoutMs: positiveInteger(options.timeoutMs, "timeoutMs") ?? DEFAULT_TIMEOUT_MS,
    instrumentation: checkInstrumentation(options.instrumentation),
  };
}

function checkInstrumentation(value: Instrumentation | undefined): Instrumentation | undefined {
  if (value === undefined) return undefined;
  const missing = INSTRUMENTATION_METHODS.filter((name) => typeof value?.[name] !== "function");
  if (missing.length > 0) {
    throw new InvalidOptionsError(
      `instrumentation must have the methods ${INSTRUMENTATION_METHODS.join(", ")}; missing: ${missing.join(", ")}`,
    );
  }
  return value;
}
