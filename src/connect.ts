/**
 * `connect(url)` picks the backend from the URL. Wrapping a caller's own nats.js connection
 * is `fromNats` (from-nats.ts).
 */
import { createMemoryBackend } from "./backends/memory/index.ts";
import { connectNatsBackend } from "./backends/nats/index.ts";
import { parseServers, resolveSecurity } from "./connection-security.ts";
import { InvalidOptionsError } from "./errors.ts";
import { type MessageStoreOptions, resolveOptions } from "./options.ts";
import { MessageStore } from "./store.ts";

/** The environment variable `connect()` reads when no URL is given. */
export const MESSAGE_STORE_URL_ENV = "MESSAGE_STORE_URL";

/**
 * Connects to a message store. `url` is `"memory:"` (a new, isolated in-process store each
 * call), `"memory:<name>"` (in-process, sharing its data with every open store of that name,
 * as processes share a server) or `"nats://host:port[,host:port…]"`; a NATS URL may carry
 * credentials (`nats://user:password@host:4222`, `nats://token@host:4222`), or give them as
 * options.
 * @default url: env `MESSAGE_STORE_URL`, else `"memory:"`
 */
export async function connect(
  url?: string,
  options: MessageStoreOptions = {},
): Promise<MessageStore> {
  if (url !== undefined && typeof url !== "string") {
    throw new InvalidOptionsError(
      `connect: the URL must be a string ("memory:" or "nats://host:port"), got ${typeof url}`,
    );
  }
  const resolved = resolveOptions(options);
  const target = url ?? process.env[MESSAGE_STORE_URL_ENV] ?? "memory:";
  if (target === "memory:" || target === "memory") {
    return new MessageStore(createMemoryBackend(resolved), resolved);
  }
  const memoryName = /^memory:([\w.-]+)$/.exec(target)?.[1];
  if (memoryName !== undefined) {
    return new MessageStore(createMemoryBackend(resolved, memoryName), resolved);
  }
  const { servers, credentials } = parseServers(target);
  const security = resolveSecurity(options, credentials);
  return new MessageStore(await connectNatsBackend(servers, resolved, security), resolved);
}
