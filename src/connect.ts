/**
 * `connect(url)` picks the backend from the URL. Wrapping a caller's own nats.js connection
 * is `MessageStore.fromNats` (store.ts).
 */
import { createMemoryBackend } from "./backends/memory/index.ts";
import { connectNatsBackend } from "./backends/nats/index.ts";
import { InvalidOptionsError } from "./errors.ts";
import { type MessageStoreOptions, resolveOptions } from "./options.ts";
import { MessageStore } from "./store.ts";

/** The environment variable `connect()` reads when no URL is given. */
export const MESSAGE_STORE_URL_ENV = "MESSAGE_STORE_URL";

/**
 * Connects to a message store. `url` is `"memory:"` (a new, isolated in-process store each
 * call), `"memory:<name>"` (in-process, sharing its data with every open store of that name,
 * as processes share a server) or `"nats://host:port[,host:port…]"`.
 * @default url: env `MESSAGE_STORE_URL`, else `"memory:"`
 */
export async function connect(
  url?: string,
  options: MessageStoreOptions = {},
): Promise<MessageStore> {
  const resolved = resolveOptions(options);
  const target = url ?? process.env[MESSAGE_STORE_URL_ENV] ?? "memory:";
  if (target === "memory:" || target === "memory") {
    return new MessageStore(createMemoryBackend(resolved), resolved);
  }
  const memoryName = /^memory:([\w.-]+)$/.exec(target)?.[1];
  if (memoryName !== undefined) {
    return new MessageStore(createMemoryBackend(resolved, memoryName), resolved);
  }
  const servers = target.split(",").map((server) => server.trim());
  if (
    servers.some(
      (server) => !/^(nats|tls):\/\/[^\s/]+\/?$/.test(server) && !/^[\w.-]+:\d+$/.test(server),
    )
  ) {
    throw new InvalidOptionsError(
      `unsupported URL ${JSON.stringify(target)}: use "memory:", "memory:<name>" or "nats://host:port[,host:port…]"`,
    );
  }
  return new MessageStore(await connectNatsBackend(servers, resolved), resolved);
}
