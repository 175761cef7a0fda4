/**
 * `fromNats(connection)`: a store over a nats.js connection the caller already has (its own
 * auth, TLS, reconnect settings). It lives beside `connect()` rather than on `MessageStore`,
 * so the store's own module never imports a backend (DESIGN §8).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { natsBackendFromConnection } from "./backends/nats/index.ts";
import { InvalidOptionsError } from "./errors.ts";
import { CONNECTION_ONLY_OPTIONS, type MessageStoreOptions, resolveOptions } from "./options.ts";
import { MessageStore } from "./store.ts";

/**
 * A store over the caller's nats.js connection, which the store never closes. Asynchronous:
 * the backend checks the server and sets up JetStream before the store is handed out.
 * Credentials, `tls` and `context` are refused with `InvalidOptionsError`: the connection
 * is already open, so they could only be ignored.
 */
export async function fromNats(
  connection: NatsConnection,
  options: MessageStoreOptions = {},
): Promise<MessageStore> {
  const resolved = resolveOptions(options);
  refuseConnectionOnlyOptions(options);
  return new MessageStore(await natsBackendFromConnection(connection, resolved), resolved);
}

function refuseConnectionOnlyOptions(options: MessageStoreOptions): void {
  const given: Record<string, unknown> = { ...options };
  const key = CONNECTION_ONLY_OPTIONS.find((name) => given[name] !== undefined);
  if (key === undefined) return;
  throw new InvalidOptionsError(
    `fromNats: the option ${JSON.stringify(key)} cannot apply to a connection that is already open; ` +
      "give credentials and TLS to nats.js when you open it, or let connect(url, options) open it",
  );
}
