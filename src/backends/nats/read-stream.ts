/**
 * Reading one entity (DESIGN §3): one batched direct get over its position subjects, which
 * JetStream answers from its subject index in sequence order, which is position order.
 * Longer entities page by sequence; entities with other writers' messages are scanned and
 * their positions counted.
 */
import type { RecordedMessage } from "../../message.ts";
import type { ParsedStream } from "../../stream-name.ts";
import type { StoredMessage } from "./context.ts";
import { decodeStored } from "./decode.ts";
import { directBatch, lastOnSubject, multiLast, PAGE_SIZE, scanWithConsumer } from "./fetch.ts";
import type { NatsInternals } from "./internals.ts";
import type { StorageConfig } from "./storage.ts";

interface Positioned {
  readonly stored: StoredMessage;
  readonly position: number;
}

function entitySubject(parts: NatsInternals, stream: ParsedStream): string {
  const [exact] = parts.subjects.targetFilters({ ...stream, id: stream.id });
  return exact ?? stream.name;
}

/** Every message of the entity in sequence order, its position counted rather than read from the subject. */
async function* scanCounting(
  parts: NatsInternals,
  storage: StorageConfig,
  stream: ParsedStream,
): AsyncGenerator<Positioned> {
  let position = 0;
  const filters = parts.subjects.targetFilters({ ...stream, id: stream.id });
  for await (const stored of scanWithConsumer(
    parts.jetstream,
    parts.manager,
    storage.name,
    filters,
    1,
  )) {
    yield { stored, position };
    position += 1;
  }
}

/** A long entity, from `fromPosition` on, a page of sequences at a time. */
async function* pagesFrom(
  parts: NatsInternals,
  storage: StorageConfig,
  stream: ParsedStream,
  fromPosition: number,
): AsyncGenerator<Positioned> {
  const start = await lastOnSubject(
    parts.manager,
    storage,
    parts.subjects.positionSubject(stream, fromPosition),
  );
  if (start === undefined) return;
  const wildcard = parts.subjects.positionWildcard(stream);
  let sequence = start.sequence;
  for (;;) {
    const page = await directBatch(parts.manager, storage.name, sequence, PAGE_SIZE, wildcard);
    for (const stored of page) {
      const { position } = parts.subjects.parse(stream.category, stored.subject);
      if (position >= fromPosition) yield { stored, position };
    }
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE_SIZE) return;
    sequence = last.sequence + 1;
  }
}

function hasOtherWriters(
  parts: NatsInternals,
  stream: ParsedStream,
  found: StoredMessage[],
): boolean {
  return found.some((stored) => parts.subjects.parse(stream.category, stored.subject).position < 0);
}

/**
 * The entity's messages with their positions. The common case, a short entity written only
 * by this store, is one request answered as an array, so the caller loops without a tick
 * per message; long entities and other writers' messages come as an async iterable.
 */
async function positioned(
  parts: NatsInternals,
  storage: StorageConfig,
  stream: ParsedStream,
  fromPosition: number,
): Promise<Positioned[] | AsyncIterable<Positioned>> {
  if (!storage.direct) return scanCounting(parts, storage, stream);
  const wildcard = parts.subjects.positionWildcard(stream);
  const found = await multiLast(parts.manager, storage.name, [
    wildcard,
    entitySubject(parts, stream),
  ]);
  if (found === "too-many") return pagesFrom(parts, storage, stream, fromPosition);
  if (hasOtherWriters(parts, stream, found)) return scanCounting(parts, storage, stream);
  return found.map((stored) => ({
    stored,
    position: parts.subjects.parse(stream.category, stored.subject).position,
  }));
}

export async function* readStream(
  parts: NatsInternals,
  stream: ParsedStream,
  fromPosition: number,
  maxCount: number,
): AsyncGenerator<RecordedMessage> {
  if (maxCount <= 0) return;
  const storage = await parts.catalog.lookup(stream.category);
  if (storage === undefined) return;
  let count = 0;
  for await (const { stored, position } of await positioned(parts, storage, stream, fromPosition)) {
    if (position < fromPosition) continue;
    yield decodeStored(parts.subjects, stream.category, stored, {
      category: stream.category,
      streamId: stream.id,
      position,
    });
    count += 1;
    if (count >= maxCount) return;
  }
}

/** The entity's last position subject, read from the subject index: its version and sequence. */
export interface EntityEnd {
  readonly version: number;
  /** The sequence of the entity's last message on `{…}.{id}.*`; `0` when none. */
  readonly lastSequence: number;
  /** That message, when it is one of ours and the entity has no other writers' messages. */
  readonly last: StoredMessage | undefined;
}

async function countedEnd(parts: NatsInternals, stream: ParsedStream): Promise<EntityEnd> {
  let end: EntityEnd = { version: -1, lastSequence: 0, last: undefined };
  const storage = await parts.catalog.lookup(stream.category);
  if (storage === undefined) return end;
  for await (const { stored, position } of await positioned(parts, storage, stream, 0)) {
    end = { version: position, lastSequence: stored.sequence, last: undefined };
  }
  return end;
}

/**
 * The entity's version. The cheap path is one direct get on the position wildcard, plus one
 * on the bare entity subject in parallel to notice other writers, whose messages must be counted.
 */
export async function entityEnd(parts: NatsInternals, stream: ParsedStream): Promise<EntityEnd> {
  const storage = await parts.catalog.lookup(stream.category);
  if (storage === undefined) return { version: -1, lastSequence: 0, last: undefined };
  const [last, bare] = await Promise.all([
    lastOnSubject(parts.manager, storage, parts.subjects.positionWildcard(stream)),
    lastOnSubject(parts.manager, storage, entitySubject(parts, stream)),
  ]);
  if (bare === undefined) {
    if (last === undefined) return { version: -1, lastSequence: 0, last: undefined };
    const { position } = parts.subjects.parse(stream.category, last.subject);
    if (position >= 0) return { version: position, lastSequence: last.sequence, last };
  }
  const counted = await countedEnd(parts, stream);
  return { ...counted, lastSequence: last?.sequence ?? 0 };
}

export async function lastMessage(
  parts: NatsInternals,
  stream: ParsedStream,
  type: string | undefined,
): Promise<RecordedMessage | undefined> {
  if (type === undefined) {
    const end = await entityEnd(parts, stream);
    if (end.version < 0) return undefined;
    if (end.last !== undefined) {
      return decodeStored(parts.subjects, stream.category, end.last, {
        category: stream.category,
        streamId: stream.id,
        position: end.version,
      });
    }
  }
  let found: RecordedMessage | undefined;
  for await (const message of readStream(parts, stream, 0, Number.POSITIVE_INFINITY)) {
    if (type === undefined || message.type === type) found = message;
  }
  return found;
}
