/** Reading a whole category in global (JetStream sequence) order, and its last global position. */
import { isMalformedMessageError } from "../../errors.ts";
import type { RecordedMessage } from "../../message.ts";
import type { NatsContext, StoredMessage } from "./context.ts";
import { directBatch, PAGE_SIZE, scanWithConsumer } from "./direct-get.ts";
import type { StorageConfig } from "./storage.ts";

export async function* storedFrom(
  nats: NatsContext,
  storage: StorageConfig,
  category: string,
  fromGlobalPosition: number,
  pageSize: number,
): AsyncGenerator<StoredMessage> {
  // A stream shared with other categories (Zencastr's) needs the category's filter.
  const filter = storage.exclusive ? undefined : nats.subjects.categoryFilter(category);
  if (!storage.direct) {
    yield* scanWithConsumer(
      nats.jetstream,
      nats.manager,
      storage.name,
      [nats.subjects.categoryFilter(category)],
      fromGlobalPosition,
    );
    return;
  }
  let sequence = fromGlobalPosition;
  for (;;) {
    const page = await directBatch(
      nats.requester,
      storage.name,
      sequence,
      pageSize,
      filter,
      nats.options.timeoutMs,
    );
    yield* page;
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    sequence = last.sequence + 1;
  }
}

export async function* readCategory(
  nats: NatsContext,
  category: string,
  fromGlobalPosition: number,
  maxCount: number,
): AsyncGenerator<RecordedMessage> {
  if (maxCount <= 0) return;
  const storage = await nats.catalog.lookup(category);
  if (storage === undefined) return;
  let count = 0;
  for await (const stored of storedFrom(
    nats,
    storage,
    category,
    fromGlobalPosition,
    Math.min(PAGE_SIZE, maxCount),
  )) {
    let message: RecordedMessage;
    try {
      message = nats.decode(category, stored);
    } catch (error) {
      if (!isMalformedMessageError(error)) throw error;
      nats.options.logger.warn(
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
export async function lastGlobalPosition(nats: NatsContext, category: string): Promise<number> {
  const storage = await nats.catalog.lookup(category);
  if (storage === undefined) return 0;
  const info = await nats.manager.streams.info(storage.name);
  return info.state.last_seq;
}
