/**
 * The backend contract: what `MessageStore` needs from a storage engine, written for whoever
 * implements one. The store validates every input, assigns ids, encodes bodies and checks
 * sizes before calling a backend, so a backend may assume well-formed arguments. Retries of
 * writes, recognising a retried write, handler retries and dead-letter decisions live in the
 * store and in `src/subscribe/`: a backend stores, reads and delivers, nothing more.
 *
 * Every member is required but `ConsumerSource.status`. A backend that cannot do something
 * throws `UnsupportedError` from that member; it never pretends. The conformance suite (`message-store/testing`)
 * checks each promise below on every backend. Record shapes are in `backend-records.ts`.
 */
import type {
  BackendStatus,
  CategorySettings,
  CategoryStats,
  ConsumerInfo,
  ConsumerSpec,
  DeadLetter,
  DeadLetterRecord,
  Delivery,
  StartAt,
  TailStart,
  WriteResult,
} from "./backend-records.ts";
import type { Diagnosis } from "./diagnosis.ts";
import type { ExpectedVersion } from "./expected-version.ts";
import type { PreparedMessage, RecordedMessage } from "./message.ts";
import type { SnapshotStore } from "./snapshot-store.ts";
import type { ParsedStream, ParsedTarget } from "./stream-name.ts";

export type {
  BackendStatus,
  CategoryLayout,
  CategorySettings,
  CategoryStats,
  ConsumerInfo,
  ConsumerSpec,
  DeadLetter,
  DeadLetterReason,
  DeadLetterRecord,
  Delivery,
  RawMessage,
  StartAt,
  TailStart,
  WriteResult,
} from "./backend-records.ts";

/**
 * A durable consumer's message source. Iterating pulls (pulling is the backpressure): the
 * source never holds more than the caller asked for plus one batch. A new consumer starts at
 * its spec's `startAt`; an existing one resumes after its last acked message. It may end, or
 * throw, when it loses its consumer (deleted, consume failed): the subscription layer reopens
 * it after a pause, so a source needs no reopen loop of its own.
 */
export interface ConsumerSource extends AsyncIterable<Delivery> {
  /** Stop fetching; the iterator ends. Deliveries already handed out may still be settled. Idempotent. */
  close(): Promise<void>;
  /**
   * Capability (the one optional member): connection events from the call on, until the
   * source closes. A backend without a connection leaves it out.
   */
  status?(): AsyncIterable<BackendStatus>;
}

export interface Backend {
  /** `"memory"`, `"nats"`: shown in logs and tests. */
  readonly kind: string;
  /** The largest encoded body this backend accepts; the store checks it before `append`. */
  readonly maxMessageSize: number;

  /** Make sure the category has storage, creating it with `settings` when missing. Idempotent. */
  ensureCategory(category: string, settings: CategorySettings): Promise<void>;

  /**
   * Append `messages` (one or more) to `stream` after the version `expected` asks for,
   * atomically: all at consecutive positions, or none. Writes to one stream from one backend
   * apply in call order.
   *
   * - An exact expectation (a number, `"no_stream"`) that the stream does not meet throws
   *   `ExpectedVersionError` with `expected` as given and `actual` the current version.
   * - `"any"` and `"exists"` append after the end the backend believes current. If another
   *   writer got there first, throw `ExpectedVersionError` with `expected` set to the version
   *   appended after (a number) and `actual` the real one. Do not retry: the store owns the
   *   retry loop and the check for a retried write, once for every backend.
   * - When the outcome is unknown (no reply), mark the thrown error with
   *   `markUncertainAppend(error, versionAppendedAfter)`: a retry with the same id looks there.
   * - Limits throw `StreamFullError`; a missing category with `createMissingStreams: false`
   *   throws `StreamNotFoundError`.
   */
  append(
    stream: ParsedStream,
    messages: readonly PreparedMessage[],
    expected: ExpectedVersion,
  ): Promise<WriteResult>;

  /**
   * The stream's messages with `position >= fromPosition`, in position order, at most
   * `maxCount` (may be `Infinity`), in non-empty pages: an entity read in one request comes
   * as one page, so its reader pays one tick for it, and a long stream is never held whole.
   * Never throws for a missing stream.
   */
  readStreamPages(
    stream: ParsedStream,
    fromPosition: number,
    maxCount: number,
  ): AsyncIterable<readonly RecordedMessage[]>;

  /** The category's messages with `globalPosition >= fromGlobalPosition`, in global order, at most `maxCount`. Bodies that do not decode are skipped with a warning. */
  readCategory(
    category: string,
    fromGlobalPosition: number,
    maxCount: number,
  ): AsyncIterable<RecordedMessage>;

  /** The position of the stream's last message; `-1` when it has none. One request where the backend can. */
  version(stream: ParsedStream): Promise<number>;

  /** The stream's last message, or its last of `type`. */
  last(stream: ParsedStream, type: string | undefined): Promise<RecordedMessage | undefined>;

  /** The category's last global position; `0` when it has none. */
  lastGlobalPosition(category: string): Promise<number>;

  /**
   * Every message of `target` from `start` on, existing ones first, then live as they are
   * written, in global order, until `signal` aborts (the iterator then returns).
   */
  tail(target: ParsedTarget, start: TailStart, signal: AbortSignal): AsyncIterable<RecordedMessage>;

  /** Open (or join) the durable consumer `spec.consumer` on `spec.target`. */
  consume(spec: ConsumerSpec): ConsumerSource;

  /**
   * Store a dead letter: the original body unchanged, in `letter.category`, keeping its
   * original stream so `readCategory(letter.category)` yields it with the original `id`,
   * `type`, `data`, `metadata`, `category`, `streamId` and `streamName`. Creates the
   * dead-letter category when needed, without the position guard (a message may die twice).
   */
  deadLetter(letter: DeadLetter): Promise<void>;

  /** Every category with its size, for `mstore categories`. */
  categories(): Promise<CategoryStats[]>;

  /**
   * Move the durable consumer to `startAt`, creating it when missing, and forget what it had
   * in flight (a projection rebuild). Callers stop every subscription of the consumer first:
   * NATS deletes and recreates the durable, which ends their consumes.
   */
  resetConsumer(target: ParsedTarget, consumer: string, startAt: StartAt): Promise<void>;

  /** The consumer's progress; `undefined` when no such consumer exists. */
  consumerInfo(target: ParsedTarget, consumer: string): Promise<ConsumerInfo | undefined>;

  /** Every durable consumer, of one category or of all. Internal re-drive consumers are left out. */
  consumers(category: string | undefined): Promise<ConsumerInfo[]>;

  /** The dead letters stored in `category`, oldest first. Messages waiting to be re-driven are not listed. */
  deadLetters(category: string): AsyncIterable<DeadLetterRecord>;

  /** Remove the dead letter at `deadLetterPosition`. `false` when there is none. */
  discardDeadLetter(category: string, deadLetterPosition: number): Promise<boolean>;

  /**
   * Hand the dead letters at `deadLetterPositions` back to the consumers that failed them and
   * remove them from `category`. A re-driven message goes to the consumer's own re-drive
   * queue (never to the entity's stream, which keeps its version) and is delivered by sources
   * whose spec names `category` as `deadLetter`. Returns how many moved.
   */
  redrive(category: string, deadLetterPositions: readonly number[]): Promise<number>;

  /** Release every resource. Idempotent. Never closes a connection the caller owns. */
  close(): Promise<void>;

  /**
   * Where entity snapshots are kept: one slot of bytes per stream (see `snapshot-store.ts`).
   * A backend without such storage gives a store whose `read` and `write` throw
   * `UnsupportedError`; entity stores then refuse their `snapshot` option.
   */
  readonly snapshots: SnapshotStore;

  /**
   * Capability: how safe the stored data is (server, replicas, sync setting, consumers'
   * health), for `store.diagnose()` and `mstore doctor`. A backend without durability to
   * report leaves it out.
   */
  diagnose?(): Promise<Diagnosis>;

  /**
   * Capability: the backend's own name for the category's storage, when it knows it without
   * asking (a write or read of the category has looked it up), else `undefined`. For traces,
   * which name the JetStream stream a message went to even when another writer (Zencastr)
   * made it under its own name. A backend whose storage names follow from the category leaves
   * it out.
   */
  storageName?(category: string): string | undefined;
}
