/**
 * Appending to an entity (DESIGN §3, "Optimistic concurrency", and §8). In the position
 * layout the position guard is the check: version `v + 1` goes to position subject `v + 1`,
 * which JetStream accepts once (unguarded streams add the expected last sequence of the
 * position subjects). In the zencastr layout every message goes to the entity's subject and
 * the check is `Nats-Expected-Last-Subject-Sequence` on it, as a Zencastr writer would need.
 * Each entity's end (version, last subject sequence) is cached so a write costs one publish;
 * writes to one entity from this process are queued, writes to different entities run side
 * by side.
 */
import { type MsgHdrs, headers as newHeaders } from "@nats-io/transport-node";
import type { WriteResult } from "../../backend.ts";
import {
  ExpectedVersionError,
  isStreamNotFoundError,
  isTimeoutError,
  MessageStoreError,
  UnsupportedError,
} from "../../errors.ts";
import {
  assertExpectedVersion,
  type ExpectedVersion,
  exactExpectedVersion,
} from "../../expected-version.ts";
import type { PreparedMessage } from "../../message.ts";
import type { ParsedStream } from "../../stream-name.ts";
import { markUncertainAppend } from "../../uncertain-append.ts";
import { BoundedMap } from "../../util/bounded-map.ts";
import { publishAtomicBatch } from "./atomic-batch.ts";
import type { NatsContext } from "./context.ts";
import { translateTimeout } from "./jetstream-errors.ts";
import { withMessageHeaders } from "./message-headers.ts";
import { type PublishOutcome, publishOne, withTransientRetries } from "./publish.ts";
import { entityEnd } from "./read-stream.ts";
import type { StorageConfig } from "./storage.ts";
import type { SubjectLayout } from "./subjects.ts";

interface KnownEnd {
  readonly version: number;
  /** For unguarded streams' `Nats-Expected-Last-Subject-Sequence`; `0` for a new entity. */
  readonly lastSequence: number;
  /**
   * `true` when the end was looked up or guessed rather than made by this writer's own last
   * write: another process may have moved the entity since.
   */
  readonly learned: boolean;
}

/** An entity never seen: a blind write guesses it is new, and finds out in the same round trip. */
const UNSEEN_END: KnownEnd = { version: -1, lastSequence: 0, learned: true };

const ENTITIES_REMEMBERED = 10_000;

export class EntityWriter {
  readonly #nats: NatsContext;
  readonly #ends = new BoundedMap<string, KnownEnd>(ENTITIES_REMEMBERED);
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(nats: NatsContext) {
    this.#nats = nats;
  }

  append(
    stream: ParsedStream,
    messages: readonly PreparedMessage[],
    expected: ExpectedVersion,
  ): Promise<WriteResult> {
    const key = this.#nats.subjects.positionWildcard(stream);
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const append = (): Promise<WriteResult> =>
      this.#append(key, stream, messages, expected).catch((error: unknown) => {
        throw translateTimeout(error, `write to ${stream.name}`, this.#nats.options.timeoutMs);
      });
    const run = previous.then(append, append);
    const settled = run.catch(() => undefined);
    this.#queues.set(key, settled);
    void settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return run;
  }

  /** Forgets every cached entity end. */
  clear(): void {
    this.#ends.clear();
  }

  async #append(
    key: string,
    stream: ParsedStream,
    messages: readonly PreparedMessage[],
    expected: ExpectedVersion,
  ): Promise<WriteResult> {
    const storage = await this.#nats.catalog.require(stream.category);
    if (messages.length > 1 && !storage.atomic) {
      throw new UnsupportedError(
        `JetStream stream ${storage.name} does not allow atomic batches, so a multi-message write to ${stream.name} cannot be atomic: write the messages one at a time, or run ensureCategory({ category: ${JSON.stringify(stream.category)} }) to enable atomic publish (allow_atomic) and direct gets on it`,
      );
    }
    const end = await this.#startingEnd(key, stream, expected);
    // A blind write over an end it did not make may race other processes: it looks up the
    // real end while it publishes, so a refusal costs no further round trip, and a write to
    // an entity never seen costs one round trip when the entity is new.
    const lookingUp =
      exactExpectedVersion(expected) === undefined && end.learned
        ? entityEnd(this.#nats, stream)
        : undefined;
    lookingUp?.catch(() => undefined);
    const outcome = await this.#send(key, stream, storage, end, messages);
    if (outcome.stored) {
      const version = end.version + messages.length;
      this.#ends.set(key, { version, lastSequence: outcome.sequence, learned: false });
      return { position: version, globalPosition: outcome.sequence };
    }
    const { refusal } = outcome;
    if (refusal.kind === "error") {
      this.#ends.delete(key);
      if (isStreamNotFoundError(refusal.error)) this.#nats.catalog.forget(stream.category);
      throw refusal.error;
    }
    // Someone else holds the position: learn the real end, then let the store decide
    // whether this is a retry, a conflict, or (for "any") a reason to try again. A blind
    // write reports the version it tried, which is where the store looks for a retry.
    const actual = this.#remember(key, await (lookingUp ?? entityEnd(this.#nats, stream)));
    const tried = exactExpectedVersion(expected) === undefined ? end.version : expected;
    throw new ExpectedVersionError(stream.name, tried, actual.version, {
      cause: refusal.failure,
    });
  }

  /** The end to write after, refreshed when the cache cannot be trusted for `expected`. */
  async #startingEnd(
    key: string,
    stream: ParsedStream,
    expected: ExpectedVersion,
  ): Promise<KnownEnd> {
    const exact = exactExpectedVersion(expected);
    let end = this.#ends.get(key);
    // A new entity needs no look: if it exists, the publish is refused anyway (and a blind
    // write learns the real end in the same round trip).
    if (end === undefined && (exact === -1 || expected === "any")) end = UNSEEN_END;
    if (end === undefined) end = await this.#refresh(key, stream);
    // The cache is never ahead of the server, only behind: look again before refusing.
    const behind =
      (exact !== undefined && end.version < exact) || (expected === "exists" && end.version < 0);
    if (behind) end = await this.#refresh(key, stream);
    assertExpectedVersion(stream.name, expected, end.version);
    return end;
  }

  async #refresh(key: string, stream: ParsedStream): Promise<KnownEnd> {
    return this.#remember(key, await entityEnd(this.#nats, stream));
  }

  /** Keeps an end that was looked up. */
  #remember(key: string, found: { version: number; lastSequence: number }): KnownEnd {
    const end = { version: found.version, lastSequence: found.lastSequence, learned: true };
    this.#ends.set(key, end);
    return end;
  }

  async #send(
    key: string,
    stream: ParsedStream,
    storage: StorageConfig,
    end: KnownEnd,
    messages: readonly PreparedMessage[],
  ): Promise<PublishOutcome> {
    const { requester, subjects, options, watch } = this.#nats;
    try {
      return await withTransientRetries(
        `write to ${stream.name}`,
        options.timeoutMs,
        watch,
        (remaining) => {
          const headers = expectationHeaders(storage, stream, end, subjects);
          if (messages.length === 1) {
            const [message] = messages as [PreparedMessage];
            const subject = subjects.writeSubject(storage.layout, stream, end.version + 1);
            const sent = withMessageHeaders(headers, message.headers);
            return publishOne(requester, storage.name, subject, message.body, sent, remaining);
          }
          const entries = messages.map((message, index) => ({
            subject: subjects.writeSubject(storage.layout, stream, end.version + 1 + index),
            body: message.body,
            headers: message.headers,
          }));
          return publishAtomicBatch(requester, storage.name, entries, headers, remaining);
        },
        () => this.#failIfDeleted(stream, storage),
      );
    } catch (error) {
      // It may have landed: look at the server next time rather than trust the cache, and
      // tell the store where it would be, so a retry with the same id finds it.
      this.#ends.delete(key);
      // The store's own errors, other than running out of time, are definite: nothing landed.
      if (error instanceof MessageStoreError && !isTimeoutError(error)) throw error;
      const translated = translateTimeout(error, `write to ${stream.name}`, options.timeoutMs);
      markUncertainAppend(translated, end.version);
      throw translated;
    }
  }

  /**
   * Called while nobody answers a publish: a stream leader election, or a stream deleted
   * behind the store's back. Only the second ends the write early; the category's stream is
   * looked up (and recreated) by the next write.
   */
  async #failIfDeleted(stream: ParsedStream, storage: StorageConfig): Promise<void> {
    const { catalog } = this.#nats;
    if (!(await catalog.isDeleted(storage.name, DELETED_CHECK_TIMEOUT_MS))) return;
    catalog.forget(stream.category);
    throw new MessageStoreError(
      `write to ${stream.name}: JetStream stream ${storage.name} was deleted; nothing was written, and the next write recreates it`,
      "BACKEND",
    );
  }
}

/** How long the check for a deleted stream waits for the server's answer. */
const DELETED_CHECK_TIMEOUT_MS = 1000;

/**
 * Without a position guard the check is the entity's last sequence: on its position subjects
 * (an unguarded position-layout stream) or on its one subject (the zencastr layout, where the
 * expectation is on the subject published to and needs no subject header).
 */
function expectationHeaders(
  storage: StorageConfig,
  stream: ParsedStream,
  end: KnownEnd,
  subjects: SubjectLayout,
): MsgHdrs | undefined {
  if (storage.layout === "position" && storage.guarded) return undefined;
  const headers = newHeaders();
  headers.set("Nats-Expected-Last-Subject-Sequence", String(end.lastSequence));
  if (storage.layout === "position") {
    headers.set("Nats-Expected-Last-Subject-Sequence-Subject", subjects.positionWildcard(stream));
  }
  return headers;
}
