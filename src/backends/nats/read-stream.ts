/**
 * Reading one entity. In the position layout (DESIGN §3): one batched direct get over its
 * position subjects, which JetStream answers from its subject index in sequence order, which
 * is position order. Longer entities page by sequence; entities with other writers' messages
 * are scanned and their positions counted. In the zencastr layout (DESIGN §8) the entity is
 * its one subject, `{…}.{category}.{id}`, exactly what Zencastr's `fetch` reads: the server
 * scans for it and positions are counted.
 */
import type { RecordedMessage } from "../../message.ts";
import type { ParsedStream } from "../../stream-name.ts";
import type { NatsContext, StoredMessage } from "./context.ts";
import { decodeStored } from "./decode.ts";
import {
  directBatch,
  lastOnSubject,
  MULTI_LAST_LIMIT,
  messagesOnSubject,
  multiLast,
  PAGE_SIZE,
  scanWithConsumer,
} from "./direct-get.ts";
import type { StorageConfig } from "./storage.ts";
import { positionOfToken } from "./subjects.ts";

interface Positioned {
  readonly stored: StoredMessage;
  readonly position: number;
}

/** A page of an entity's stored messages with their positions, in position order. */
type PositionedPage = readonly Positioned[];

/**
 * The positions of messages read from the entity's own subjects, or `undefined` when one of
 * them is not a position subject (another writer's message: positions must be counted).
 * Every subject starts with the `entity` subject, so only the last token needs reading.
 */
function positionsOf(entity: string, found: readonly StoredMessage[]): Positioned[] | undefined {
  const head = `${entity}.`;
  const page: Positioned[] = [];
  for (const stored of found) {
    const position = stored.subject.startsWith(head)
      ? positionOfToken(stored.subject.slice(head.length))
      : -1;
    if (position < 0) return undefined;
    page.push({ stored, position });
  }
  return page;
}

/** Every message on `filters` in sequence order, each position counted rather than read from the subject. */
async function* scanCounting(
  nats: NatsContext,
  storage: StorageConfig,
  filters: string[],
): AsyncGenerator<PositionedPage> {
  let position = 0;
  let page: Positioned[] = [];
  for await (const stored of scanWithConsumer(
    nats.jetstream,
    nats.manager,
    storage.name,
    filters,
    1,
  )) {
    page.push({ stored, position });
    position += 1;
    if (page.length === PAGE_SIZE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/**
 * The zencastr layout: every message on the entity's subject, its position counted. With
 * direct gets, a page of the subject's messages per request (the server walks its subject
 * index); without, a consumer filtered to the subject.
 */
async function* entitySubjectPages(
  nats: NatsContext,
  storage: StorageConfig,
  stream: ParsedStream,
): AsyncGenerator<PositionedPage> {
  const subject = nats.subjects.entitySubject(stream);
  if (!storage.direct) {
    yield* scanCounting(nats, storage, [subject]);
    return;
  }
  let position = 0;
  let sequence = 1;
  for (;;) {
    const page = await directBatch(
      nats.requester,
      storage.name,
      sequence,
      PAGE_SIZE,
      subject,
      nats.options.timeoutMs,
    );
    yield page.map((stored) => ({ stored, position: position++ }));
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE_SIZE) return;
    sequence = last.sequence + 1;
  }
}

/** A long entity, from `fromPosition` on, a page of sequences at a time. */
async function* pagesFrom(
  nats: NatsContext,
  storage: StorageConfig,
  stream: ParsedStream,
  fromPosition: number,
): AsyncGenerator<PositionedPage> {
  const start = await lastStoredOn(
    nats,
    storage,
    nats.subjects.positionSubject(stream, fromPosition),
  );
  if (start === undefined) return;
  const wildcard = nats.subjects.positionWildcard(stream);
  let sequence = start.sequence;
  for (;;) {
    const page = await directBatch(
      nats.requester,
      storage.name,
      sequence,
      PAGE_SIZE,
      wildcard,
      nats.options.timeoutMs,
    );
    yield page.map((stored) => ({
      stored,
      position: nats.subjects.parse(stream.category, stored.subject).position,
    }));
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE_SIZE) return;
    sequence = last.sequence + 1;
  }
}

/**
 * What a `multi_last` asks for: a short range from a later position (an entity cache
 * catching up, a retried write's check) names its position subjects, so only those messages
 * travel, whatever the entity's length; anything else takes the wildcard.
 */
function subjectsToRead(
  nats: NatsContext,
  stream: ParsedStream,
  fromPosition: number,
  maxCount: number,
): string[] {
  if (fromPosition === 0 || maxCount >= MULTI_LAST_LIMIT) {
    return [nats.subjects.positionWildcard(stream)];
  }
  return Array.from({ length: maxCount }, (_, index) =>
    nats.subjects.positionSubject(stream, fromPosition + index),
  );
}

/**
 * The entity's messages with their positions, a page at a time. The common case, a short
 * entity written only by this store, is one request and one page; long entities are read a
 * page of sequences at a time, and entities with other writers' messages are scanned.
 */
async function* positioned(
  nats: NatsContext,
  storage: StorageConfig,
  stream: ParsedStream,
  fromPosition: number,
  maxCount = Number.POSITIVE_INFINITY,
): AsyncGenerator<PositionedPage> {
  if (storage.layout === "zencastr") {
    yield* entitySubjectPages(nats, storage, stream);
    return;
  }
  const everySubject = nats.subjects.targetFilters(stream);
  if (!storage.direct) {
    yield* scanCounting(nats, storage, everySubject);
    return;
  }
  const entity = nats.subjects.entitySubject(stream);
  const found = await multiLast(
    nats.requester,
    storage.name,
    [...subjectsToRead(nats, stream, fromPosition, maxCount), entity],
    nats.options.timeoutMs,
  );
  if (found === "too-many") {
    yield* pagesFrom(nats, storage, stream, fromPosition);
    return;
  }
  const page = positionsOf(entity, found);
  if (page === undefined) yield* scanCounting(nats, storage, everySubject);
  else if (page.length > 0) yield page;
}

/**
 * The entity's messages from `fromPosition` on, at most `maxCount`, in pages: a reader of a
 * short entity pays one tick for all of it rather than one per message.
 */
export async function* readStreamPages(
  nats: NatsContext,
  stream: ParsedStream,
  fromPosition: number,
  maxCount: number,
): AsyncGenerator<RecordedMessage[]> {
  if (maxCount <= 0) return;
  const storage = await nats.catalog.lookup(stream.category);
  if (storage === undefined) return;
  let remaining = maxCount;
  for await (const page of positioned(nats, storage, stream, fromPosition, maxCount)) {
    const messages: RecordedMessage[] = [];
    for (const { stored, position } of page) {
      if (position < fromPosition) continue;
      messages.push(
        decodeStored(nats.subjects, stream.category, stored, {
          category: stream.category,
          streamId: stream.id,
          position,
        }),
      );
      remaining -= 1;
      if (remaining === 0) break;
    }
    if (messages.length > 0) yield messages;
    if (remaining === 0) return;
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

async function countedEnd(
  nats: NatsContext,
  storage: StorageConfig,
  stream: ParsedStream,
): Promise<EntityEnd> {
  let end: EntityEnd = { version: -1, lastSequence: 0, last: undefined };
  for await (const page of positioned(nats, storage, stream, 0)) {
    const last = page.at(-1);
    if (last !== undefined) {
      end = { version: last.position, lastSequence: last.stored.sequence, last: undefined };
    }
  }
  return end;
}

/**
 * The zencastr layout: the entity subject's last message, then how many the subject holds.
 * In that order: a message written in between makes the count one ahead of the sequence,
 * which a write expecting that sequence then finds out (the server refuses it), rather than
 * one behind, which would let a write land with a wrong position.
 */
async function subjectEnd(
  nats: NatsContext,
  storage: StorageConfig,
  stream: ParsedStream,
): Promise<EntityEnd> {
  const subject = nats.subjects.entitySubject(stream);
  const last = await lastStoredOn(nats, storage, subject);
  if (last === undefined) return { version: -1, lastSequence: 0, last: undefined };
  const count = await messagesOnSubject(nats.manager, storage, subject);
  return { version: count - 1, lastSequence: last.sequence, last };
}

/** The last message stored on `subject` (a wildcard allowed), by the store's own requester. */
function lastStoredOn(
  nats: NatsContext,
  storage: StorageConfig,
  subject: string,
): Promise<StoredMessage | undefined> {
  return lastOnSubject(nats.manager, nats.requester, storage, subject, nats.options.timeoutMs);
}

/**
 * The last message on `subject` and, asked side by side, the last on the entity's bare
 * subject, where only another kind of writer puts messages in the position layout.
 */
function besideBareSubject(
  nats: NatsContext,
  storage: StorageConfig,
  stream: ParsedStream,
  subject: string,
): Promise<[StoredMessage | undefined, StoredMessage | undefined]> {
  return Promise.all([
    lastStoredOn(nats, storage, subject),
    lastStoredOn(nats, storage, nats.subjects.entitySubject(stream)),
  ]);
}

/** The streams whose other writers a store has warned of: once each is enough. */
const warnedOfForeignWriter = new WeakMap<NatsContext, Set<string>>();

/**
 * Another kind of writer (a Zencastr service, raw nats.js) put a message on an entity's own
 * subject, or on one below it that is not a position. Neither the position guard nor the
 * unguarded check (the last sequence on the position subjects) sees it: a write this store
 * makes from its cached end after such a message reports a position one short of what reads
 * count, and passes an expected-version check it should fail (docs/reliability.md, "Other
 * writers in the position layout"). Said once per stream.
 */
function warnOfForeignWriter(nats: NatsContext, storage: StorageConfig, stream: ParsedStream) {
  let warned = warnedOfForeignWriter.get(nats);
  if (warned === undefined) {
    warned = new Set();
    warnedOfForeignWriter.set(nats, warned);
  }
  if (warned.has(storage.name)) return;
  warned.add(storage.name);
  nats.options.logger.warn(
    { storage: storage.name, category: stream.category, streamName: stream.name },
    "another writer put a message on an entity's own subject in the position layout; give a category shared with such writers the zencastr layout",
  );
}

/**
 * The entity's version. In the position layout the cheap path is one direct get on the
 * position wildcard, plus one on the bare entity subject in parallel to notice other writers,
 * whose messages must be counted.
 */
export async function entityEnd(nats: NatsContext, stream: ParsedStream): Promise<EntityEnd> {
  const storage = await nats.catalog.lookup(stream.category);
  if (storage === undefined) return { version: -1, lastSequence: 0, last: undefined };
  if (storage.layout === "zencastr") return subjectEnd(nats, storage, stream);
  const [last, bare] = await besideBareSubject(
    nats,
    storage,
    stream,
    nats.subjects.positionWildcard(stream),
  );
  if (bare === undefined) {
    if (last === undefined) return { version: -1, lastSequence: 0, last: undefined };
    const { position } = nats.subjects.parse(stream.category, last.subject);
    if (position >= 0) return { version: position, lastSequence: last.sequence, last };
  }
  // Only another kind of writer's message leads here: a bare subject, or one after the id that is not a position.
  warnOfForeignWriter(nats, storage, stream);
  const counted = await countedEnd(nats, storage, stream);
  return { ...counted, lastSequence: last?.sequence ?? 0 };
}

/**
 * The end to write after when the caller expects the entity at `position` (an exact expected
 * version that this store's cache does not reach): the entity's message at `position`, if the
 * server holds one. Two direct gets on exact subjects, the position's and the bare one, which
 * the server answers at once, where the lookup of the last message on the position wildcard
 * goes through every position subject of the entity (`npm run bench:end`: about 0.2 ms at any
 * length, against 1.2–1.7 ms at 50,000 messages). Whether the entity ends there is the
 * publish's to find out: the position after it is taken, or (unguarded) the last sequence
 * differs, and the write is refused and looks the end up in full. `undefined` when there is
 * no message at `position`, in the zencastr layout, and when another writer's message sits
 * on the bare subject: then only a full lookup can tell.
 */
export async function endAt(
  nats: NatsContext,
  stream: ParsedStream,
  position: number,
): Promise<Omit<EntityEnd, "last"> | undefined> {
  const storage = await nats.catalog.lookup(stream.category);
  if (storage === undefined || storage.layout !== "position") return undefined;
  const [at, bare] = await besideBareSubject(
    nats,
    storage,
    stream,
    nats.subjects.positionSubject(stream, position),
  );
  if (at === undefined || bare !== undefined) return undefined;
  return { version: position, lastSequence: at.sequence };
}

export async function lastMessage(
  nats: NatsContext,
  stream: ParsedStream,
  type: string | undefined,
): Promise<RecordedMessage | undefined> {
  if (type === undefined) {
    const end = await entityEnd(nats, stream);
    if (end.version < 0) return undefined;
    if (end.last !== undefined) {
      return decodeStored(nats.subjects, stream.category, end.last, {
        category: stream.category,
        streamId: stream.id,
        position: end.version,
      });
    }
  }
  let found: RecordedMessage | undefined;
  for await (const page of readStreamPages(nats, stream, 0, Number.POSITIVE_INFINITY)) {
    for (const message of page) if (type === undefined || message.type === type) found = message;
  }
  return found;
}
