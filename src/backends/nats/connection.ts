/**
 * Opening a connection and checking the server it reached: nats-server ≥ 2.12 (atomic
 * batches, batched direct gets), and a `maxMessageSize` the server can carry.
 */
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import {
  connect,
  credsAuthenticator,
  AuthorizationError as NatsAuthorizationError,
  type NatsConnection,
  type NodeConnectionOptions,
  nkeyAuthenticator,
  UserAuthenticationExpiredError,
} from "@nats-io/transport-node";
import { type ConnectionSecurity, redactUrl } from "../../connection-security.ts";
import {
  AuthorizationError,
  ConnectionError,
  InvalidOptionsError,
  UnsupportedServerError,
} from "../../errors.ts";
import type { ResolvedOptions } from "../../options.ts";

export const REQUIRED_SERVER_VERSION = "2.12.0";
const CONNECT_RETRY_DELAY_MS = 250;

/**
 * The nats.js options that log in and set up TLS. Files are read here, so a missing or
 * unreadable one is `InvalidOptionsError` at once rather than a connection retried until
 * the timeout.
 */
async function securityOptions(
  servers: readonly string[],
  security: ConnectionSecurity,
): Promise<Partial<NodeConnectionOptions>> {
  const { credentials, tls } = security;
  const options: Partial<NodeConnectionOptions> = {};
  if (credentials.kind === "user") {
    options.user = credentials.user;
    options.pass = credentials.password;
  } else if (credentials.kind === "token") {
    options.token = credentials.token;
  } else if (credentials.kind === "nkey") {
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(credentials.seed));
  } else if (credentials.kind === "creds") {
    options.authenticator = credsAuthenticator(await readOptionFile(credentials.file, "credsFile"));
  }
  if (tls !== undefined) {
    for (const [name, file] of Object.entries(tls)) {
      if (typeof file === "string") await readOptionFile(file, `tls.${name}`);
    }
    options.tls = { ...tls };
  } else if (servers.some((server) => server.startsWith("tls://"))) {
    options.tls = {};
  }
  return options;
}

async function readOptionFile(path: string, option: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidOptionsError(`${option}: cannot read ${path}: ${reason}`, { cause: error });
  }
}

/** A refusal that trying again cannot cure: wrong or expired credentials. */
function isRefusedLogin(error: unknown): boolean {
  return error instanceof NatsAuthorizationError || error instanceof UserAuthenticationExpiredError;
}

/**
 * A host name that the resolver says does not exist (`ENOTFOUND`), as opposed to one it could
 * not look up just now (`EAI_AGAIN`, worth another try). Waiting cannot make a typo resolve.
 */
function isUnknownHost(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as { code?: unknown }).code === "ENOTFOUND") return true;
  }
  return false;
}

/**
 * Connects to the first reachable server of `servers`, trying again until `timeoutMs` has
 * passed, except after a refused login or, with one server, a host name that does not
 * exist: both fail at once. Once connected, the client
 * reconnects forever. The retry loop is ours rather than nats.js `waitOnFirstConnect`,
 * which would keep trying in the background after we gave up. `servers` carry no
 * credentials (connection-security.ts took them out), so messages may name them.
 */
export async function openConnection(
  servers: string[],
  timeoutMs: number,
  security: ConnectionSecurity = { credentials: { kind: "none" }, tls: undefined },
): Promise<NatsConnection> {
  const secured = await securityOptions(servers, security);
  const where = redactUrl(servers.join(","));
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      return await connect({
        servers,
        reconnect: true,
        maxReconnectAttempts: -1,
        timeout: remaining,
        // nats.js otherwise builds an Error per request just in case it times out, which cost
        // about 15% of the client's CPU on write-heavy work; our errors carry their own context.
        noAsyncTraces: true,
        ...secured,
      });
    } catch (error) {
      if (isRefusedLogin(error)) {
        throw new AuthorizationError(
          `NATS at ${where} refused the login (${security.credentials.kind === "none" ? "no credentials were given" : `${security.credentials.kind} credentials`}): ${(error as Error).message}`,
          { cause: error },
        );
      }
      lastError = error;
      if (servers.length === 1 && isUnknownHost(error)) break;
    }
    await sleep(Math.min(CONNECT_RETRY_DELAY_MS, Math.max(0, deadline - Date.now())));
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : "";
  if (isUnknownHost(lastError)) {
    throw new ConnectionError(`cannot connect to NATS at ${where}: no such host${reason}`, {
      cause: lastError,
    });
  }
  throw new ConnectionError(`cannot connect to NATS at ${where} within ${timeoutMs} ms${reason}`, {
    cause: lastError,
  });
}

function versionParts(version: string): number[] {
  return (version.split("-")[0] ?? "").split(".").map((part) => Number.parseInt(part, 10) || 0);
}

/** `true` when `found` is at least `required` (both `major.minor.patch`, pre-release tags ignored). */
export function isVersionAtLeast(found: string, required: string): boolean {
  const have = versionParts(found);
  const need = versionParts(required);
  for (let index = 0; index < need.length; index += 1) {
    const difference = (have[index] ?? 0) - (need[index] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}

/**
 * Checks the server version and works out the largest message to accept. Throws
 * `UnsupportedServerError` or `InvalidOptionsError`; the caller decides whether to close.
 */
export function checkServer(connection: NatsConnection, options: ResolvedOptions): number {
  const info = connection.info;
  const found = info?.version ?? "unknown";
  if (info === undefined || !isVersionAtLeast(found, REQUIRED_SERVER_VERSION)) {
    throw new UnsupportedServerError(found, REQUIRED_SERVER_VERSION);
  }
  const maxPayload = info.max_payload;
  const configured = options.maxMessageSize;
  if (configured === undefined) return maxPayload;
  if (configured > maxPayload) {
    throw new InvalidOptionsError(
      `maxMessageSize ${configured} is larger than the server's max_payload ${maxPayload}`,
    );
  }
  return configured;
}

/**
 * Whether the connection is up, from its status events, so a write made while it is down
 * waits for the reconnect instead of sending into a buffer that may never be answered.
 */
export class ConnectionWatch {
  #connected = true;
  #waiters = new Set<() => void>();
  #stopped = false;

  constructor(connection: NatsConnection) {
    void this.#follow(connection);
  }

  async #follow(connection: NatsConnection): Promise<void> {
    try {
      for await (const status of connection.status()) {
        if (this.#stopped) return;
        if (status.type === "disconnect") this.#connected = false;
        if (status.type === "reconnect") {
          this.#connected = true;
          for (const wake of this.#waiters) wake();
          this.#waiters.clear();
        }
      }
    } catch {
      // The status feed ends with the connection; nothing to follow after that.
    }
  }

  /** Resolves `true` once connected, or `false` if `deadline` (epoch ms) passes first. */
  whenConnected(deadline: number): Promise<boolean> {
    if (this.#connected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          this.#waiters.delete(wake);
          resolve(this.#connected);
        },
        Math.max(0, deadline - Date.now()),
      );
      this.#waiters.add(wake);
    });
  }

  stop(): void {
    this.#stopped = true;
  }
}
