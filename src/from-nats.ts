/**
 * `fromNats(connection)`: a store over a nats.js connection the caller already has (its own
 * auth, TLS, reconnect settings). It lives beside `connect()` rather than on `MessageStore`,
 * so the store's own module never imports a backend (DESIGN §8).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { natsBackendFromConnection } from "./backends/nats/index.ts";
import { type MessageStoreOptions, resolveOptions } from "./options.ts";
import { MessageStore } from "./store.ts";

/**
 * A store over the caller's nats.js connection, which the store never closes. Asynchronous:
 * the backend checks the server and sets up JetStream before the store is handed out.
 */
export async function fromNats(
  connection: NatsConnection,
  options: MessageStoreOptions = {},
): Promise<MessageStore> {
  const resolved = resolveOptions(options);
  return new MessageStore(await natsBackendFromConnection(connection, resolved), resolved);
}
