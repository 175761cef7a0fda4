/** Builds what the memory tests feed the backend directly, as the store would prepare it. */
import { randomUUID } from "node:crypto";
import type { Backend, ConsumerSource, Delivery } from "../../src/backend.ts";
import { createMemoryBackend } from "../../src/backends/memory/index.ts";
import { encodeBody } from "../../src/body.ts";
import type { PreparedMessage } from "../../src/message.ts";
import { type MessageStoreOptions, resolveOptions } from "../../src/options.ts";
import { type ParsedStream, parseStream } from "../../src/stream-name.ts";

export function memoryBackend(options: MessageStoreOptions = {}): Backend {
  return createMemoryBackend(resolveOptions(options));
}

export function prepared(type: string, data: unknown = {}): PreparedMessage {
  const id = randomUUID();
  return { id, type, data, metadata: {}, body: encodeBody(type, data, {}, id) };
}

export function stream(name: string): ParsedStream {
  return parseStream(name);
}

/** Appends one message per type to `name`, in order. */
export async function appendEach(
  backend: Backend,
  name: string,
  ...types: string[]
): Promise<void> {
  for (const type of types) await backend.append(stream(name), [prepared(type)], "any");
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The next delivery, failing when there is none. */
export async function nextDelivery(source: ConsumerSource): Promise<Delivery> {
  const result = await source[Symbol.asyncIterator]().next();
  if (result.done) throw new Error("the source ended");
  return result.value;
}

/**
 * Whether `source` delivers something within `ms`. When it does not, the source is closed so its
 * pull request cannot take a message later.
 */
export async function deliversWithin(source: ConsumerSource, ms: number): Promise<boolean> {
  const next = source[Symbol.asyncIterator]().next();
  const outcome = await Promise.race([
    next.then((result) => (result.done ? "ended" : "delivered")),
    sleep(ms).then(() => "pending" as const),
  ]);
  if (outcome === "pending") {
    await source.close();
    await next;
  }
  return outcome === "delivered";
}
