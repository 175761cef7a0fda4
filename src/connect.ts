/**
 * `connect(url)` picks the backend from the URL. Wrapping a caller's own nats.js connection
 * is `fromNats` (from-nats.ts).
 */
import { createMemoryBackend } from "./backends/memory/index.ts";
import { connectNatsBackend } from "./backends/nats/index.ts";
import { parseServers, resolveSecurity } from "./connection-security.ts";
import { InvalidOptionsError, NatsContextError } from "./errors.ts";
import { type LoadedNatsContext, readNatsContext, withNatsContext } from "./nats-context.ts";
import { type MessageStoreOptions, resolveOptions } from "./options.ts";
import { MessageStore } from "./store.ts";

/** The environment variable `connect()` reads when no URL is given. */
export const MESSAGE_STORE_URL_ENV = "MESSAGE_STORE_URL";

/**
 * Connects to a message store. `url` is `"memory:"` (a new, isolated in-process store each
 * call), `"memory:<name>"` (in-process, sharing its data with every open store of that name,
 * as processes share a server) or `"nats://host:port[,host:port…]"`; a NATS URL may carry
 * credentials (`nats://user:password@host:4222`, `nats://token@host:4222`), or give them as
 * options, or name a `nats` CLI context (`{ context: "prod" }`) that gives them.
 * @default url: the context's URL, else env `MESSAGE_STORE_URL`, else `"memory:"`
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
  resolveOptions(options);
  const { context } = options;
  if (context !== undefined && (typeof context !== "string" || context === "")) {
    throw new InvalidOptionsError("context must be the name of a NATS context (a string)");
  }
  const natsContext = context === undefined ? undefined : await readNatsContext(context);
  return connectWithContext(url, options, natsContext);
}

/**
 * `connect()` with the NATS context already read (the CLI reads it first, to name its
 * server in messages). The URL given wins over the context's, which wins over the
 * environment's.
 */
export async function connectWithContext(
  url: string | undefined,
  options: MessageStoreOptions,
  natsContext: LoadedNatsContext | undefined,
): Promise<MessageStore> {
  const resolved = resolveOptions(options);
  const target = url ?? natsContext?.url ?? process.env[MESSAGE_STORE_URL_ENV] ?? "memory:";
  const memoryName =
    target === "memory:" || target === "memory" ? "" : /^memory:([\w.-]+)$/.exec(target)?.[1];
  if (memoryName !== undefined && natsContext !== undefined) {
    throw new NatsContextError(
      natsContext.name,
      natsContext.file,
      `a NATS context cannot apply to ${target}: use a nats:// URL, or no context`,
    );
  }
  if (memoryName === "") return new MessageStore(createMemoryBackend(resolved), resolved);
  if (memoryName !== undefined) {
    return new MessageStore(createMemoryBackend(resolved, memoryName), resolved);
  }
  const { servers, credentials } = parseServers(target);
  const merged = withNatsContext(options, credentials.kind !== "none", natsContext);
  const security = resolveSecurity(merged, credentials);
  return new MessageStore(await connectNatsBackend(servers, resolved, security), resolved);
}
