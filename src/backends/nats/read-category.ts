/** Reading a whole category in global (JetStream sequence) order, and its head. */
import { isMalformedMessageError } from "../../errors.ts";
import type { RecordedMessage } from "../../message.ts";
import type { StoredMessage } from "./context.ts";
import { directBatch, PAGE_SIZE, scanWithConsumer } from "./direct-get.ts";
import type { NatsInternals } from "./internals.ts";
import type { StorageConfig } from "./storage.ts";

export async function* storedFrom(
  parts: NatsInternals,
  storage: StorageConfig,
  category: string,
  fromGlobalPosition: number,
  pageSize: number,
): AsyncGenerator<StoredMessage> {
  // A stream shared with other categories (Zencastr's) needs the category's filter.
  const filter = storage.exclusive ? undefined : parts.subjects.categoryFilter(category);
  if (!storage.direct) {
    yield* scanWithConsumer(
      parts.jetstream,
      parts.manager,
      storage.name,
      [parts.subjects.categoryFilter(category)],
      fromGlobalPosition,
    );
    return;
  }
  let sequence = fromGlobalPosition;
  for (;;) {
    const page = await directBatch(
      parts.requester,
      storage.name,
      sequence,
      pageSize,
      filter,
      parts.options.timeoutMs,
    );
    yield* page;
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    sequence = last.sequence + 1;
  }
}

export async function* readCategory(
  parts: NatsInternals,
  category: string,
  fromGlobalPosition: number,
  maxCount: number,
): AsyncGenerator<RecordedMessage> {
  if (maxCount <= 0) return;
  const storage = await parts.catalog.lookup(category);
  if (storage === undefined) return;
  let count = 0;
  for await (const stored of storedFrom(
    parts,
    storage,
    category,
    fromGlobalPosition,
    Math.min(PAGE_SIZE, maxCount),
  )) {
    let message: RecordedMessage;
    try {
      message = parts.decode(category, stored);
    } catch (error) {
      if (!isMalformedMessageError(error)) throw error;
      parts.options.logger.warn(
        { storage: stored.storage, sequence: stored.sequence, subject: stored.subject, err: error },
        "skipping a malformed message in a category read",
      );
      continue;
    }
    yield message;
    count += 1;
    if (count >= maxCount) return;
  }
}

/** The category's last global position; `0` when it has none. */
export async function categoryHead(parts: NatsInternals, category: string): Promise<number> {
  const storage = await parts.catalog.lookup(category);
  if (storage === undefined) return 0;
  const info = await parts.manager.streams.info(storage.name);
  return info.state.last_seq;
}
