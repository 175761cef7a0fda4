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
import { translateNatsError, translateTimeout } from "./jetstream-errors.ts";
import { withMessageHeaders } from "./message-headers.ts";
import { type PublishOutcome, publishOne, withTransientRetries } from "./publish.ts";
import { endAt, entityEnd } from "./read-stream.ts";
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
  /** When another writer last took a position this one tried (epoch ms), if ever. */
  readonly refusedAt?: number;
  /**
   * Set after a refusal when the end is fresh: on a guarded stream the position tried is
   * taken and the racer that took it most likely the only one ahead (see `#refusedEnd`);
   * elsewhere the end was looked up after the refusal. The next attempt, this write's retry
   * or the next write queued behind it, publishes after that end at once, without a lookup,
   * while the refusal is at most `PROBE_FRESH_MS` old. Counts the refusals in a row.
   */
  readonly probe?: { readonly refusals: number };
}

/** An entity never seen: a blind write guesses it is new, and finds out in the same round trip. */
const UNSEEN_END: KnownEnd = { version: -1, lastSequence: 0, learned: true };

const ENTITIES_REMEMBERED = 10_000;

type BlindPlan = "probe" | "look-first" | "look-alongside" | "publish";

/**
 * How many refusals in a row a blind write answers by trying the next position before it
 * looks up the end again: one refusal after another means the entity moves faster than one
 * position per round trip, and one lookup beats counting up one position per round trip.
 */
const PROBES_BEFORE_LOOKUP = 3;

/**
 * How long an entity counts as raced after a refusal. A blind write to it looks up the end
 * before publishing rather than beside it: an end it remembers is then most likely stale, and
 * publishing after it would only be refused (the same two round trips, one more publish).
 */
const RACED_FOR_MS = 1000;

/**
 * How long after a refusal the next attempt still counts as "at once". Past this the store's
 * backoff has paused the write, other writers have moved on, and probing the next position
 * would only be refused: the write looks the end up instead.
 */
const PROBE_FRESH_MS = 5;

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
        throw translateNatsError(error, `write to ${stream.name}`, this.#nats.options.timeoutMs);
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
    let end = await this.#startingEnd(key, stream, expected);
    const blind = exactExpectedVersion(expected) === undefined;
    const plan = blind ? this.#blindPlan(end) : "publish";
    // A blind write to an entity other processes race on looks the end up first, then
    // publishes after it (see RACED_FOR_MS). Finding the end it remembered means nobody
    // else wrote since: the race is over, and the next write publishes at once.
    if (plan === "look-first") {
      const found = await entityEnd(this.#nats, stream);
      end = this.#remember(key, found, found.version === end.version ? undefined : end.refusedAt);
    }
    // A blind write over an end it did not make may race other processes: it looks up the
    // real end while it publishes, so a refusal costs no further round trip, and a write to
    // an entity never seen costs one round trip when the entity is new.
    const lookingUp = plan === "look-alongside" ? entityEnd(this.#nats, stream) : undefined;
    lookingUp?.catch(() => undefined);
    const { outcome, resent } = await this.#send(key, stream, storage, end, messages);
    if (outcome.stored) {
      const version = end.version + messages.length;
      this.#ends.set(key, {
        version,
        lastSequence: outcome.sequence,
        learned: false,
        ...(end.refusedAt === undefined ? {} : { refusedAt: end.refusedAt }),
      });
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
    const actual =
      blind && storage.layout === "position" && storage.guarded
        ? this.#refusedEnd(key, end, plan, await lookingUp)
        : this.#lookedUpAfterRefusal(key, await (lookingUp ?? entityEnd(this.#nats, stream)));
    const tried = blind ? end.version : expected;
    const conflict = new ExpectedVersionError(stream.name, tried, actual.version, {
      cause: refusal.failure,
    });
    // A publish sent again after no answer may be refused for its own first copy, which
    // landed: the store looks where that one would be before it tries again.
    if (resent) markUncertainAppend(conflict, end.version);
    throw conflict;
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
    // The cache is never ahead of the server, only behind: look again before refusing.
    const behind = (known: KnownEnd): boolean =>
      (exact !== undefined && known.version < exact) ||
      (expected === "exists" && known.version < 0);
    if (end === undefined || behind(end)) end = await this.#refresh(key, stream, exact);
    assertExpectedVersion(stream.name, expected, end.version);
    return end;
  }

  /**
   * The entity's end from the server. A caller that expects an exact version (another
   * process most likely wrote up to it) only needs that position confirmed (`endAt`), which
   * costs the server the same at any length; the full lookup otherwise, or when it is not there.
   */
  async #refresh(key: string, stream: ParsedStream, expected?: number): Promise<KnownEnd> {
    const confirmed =
      expected !== undefined && expected >= 0
        ? await endAt(this.#nats, stream, expected)
        : undefined;
    return this.#remember(key, confirmed ?? (await entityEnd(this.#nats, stream)));
  }

  /**
   * How a blind write finds its place: by trying the position after one just refused
   * ("probe"), by looking the end up before publishing, beside publishing, or not at all
   * (an end this writer made itself, on an entity nobody else was seen writing).
   */
  #blindPlan(end: KnownEnd): BlindPlan {
    const now = Date.now();
    const { probe, refusedAt } = end;
    if (refusedAt !== undefined && now - refusedAt < RACED_FOR_MS) {
      const fresh = now - refusedAt <= PROBE_FRESH_MS;
      if (fresh && probe !== undefined && probe.refusals < PROBES_BEFORE_LOOKUP) {
        return "probe";
      }
      return "look-first";
    }
    return end.learned ? "look-alongside" : "publish";
  }

  /**
   * The end after a guarded stream refused a blind write at `end.version + 1`. That position
   * is taken, and positions fill densely, so the entity is at least there (a lookup sent
   * alongside the publish may have been answered before the winner was stored). When the end
   * tried was fresh (just looked up, or the position after one just refused), the racer that
   * took it is most likely the only one ahead, and the next attempt probes the position after.
   */
  #refusedEnd(
    key: string,
    end: KnownEnd,
    plan: BlindPlan,
    found: { version: number; lastSequence: number } | undefined,
  ): KnownEnd {
    const taken = end.version + 1;
    const fresh = plan !== "publish";
    const refusals = plan === "probe" ? (end.probe?.refusals ?? 0) + 1 : 1;
    const known: KnownEnd = {
      version: Math.max(taken, found?.version ?? taken),
      lastSequence: found?.lastSequence ?? 0,
      learned: true,
      refusedAt: Date.now(),
      ...(fresh ? { probe: { refusals } } : {}),
    };
    this.#ends.set(key, known);
    return known;
  }

  /**
   * Without a position guard a refusal says only that the expected sequence was wrong, so the
   * end is looked up; that end is as fresh as it gets, and the next attempt
   * publishes after it at once.
   */
  #lookedUpAfterRefusal(key: string, found: { version: number; lastSequence: number }): KnownEnd {
    const known: KnownEnd = {
      version: found.version,
      lastSequence: found.lastSequence,
      learned: true,
      refusedAt: Date.now(),
      probe: { refusals: 1 },
    };
    this.#ends.set(key, known);
    return known;
  }

  /** Keeps an end that was looked up. */
  #remember(
    key: string,
    found: { version: number; lastSequence: number },
    refusedAt?: number,
  ): KnownEnd {
    const end: KnownEnd = {
      version: found.version,
      lastSequence: found.lastSequence,
      learned: true,
      ...(refusedAt === undefined ? {} : { refusedAt }),
    };
    this.#ends.set(key, end);
    return end;
  }

  async #send(
    key: string,
    stream: ParsedStream,
    storage: StorageConfig,
    end: KnownEnd,
    messages: readonly PreparedMessage[],
  ): Promise<{ readonly outcome: PublishOutcome; readonly resent: boolean }> {
    const { requester, subjects, options, watch } = this.#nats;
    let attempts = 0;
    try {
      const outcome = await withTransientRetries(
        `write to ${stream.name}`,
        options.timeoutMs,
        watch,
        (remaining) => {
          attempts += 1;
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
      return { outcome, resent: attempts > 1 };
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
    if (!(await catalog.isDeleted(storage.name))) return;
    catalog.forget(stream.category);
    throw new MessageStoreError(
      `write to ${stream.name}: JetStream stream ${storage.name} was deleted; nothing was written, and the next write recreates it`,
      "BACKEND",
    );
  }
}

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
