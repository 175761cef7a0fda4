/**
 * The backend contract: what `MessageStore` needs from a storage engine, written for whoever
 * implements one. The store validates every input, assigns ids, encodes bodies and checks
 * sizes before calling a backend, so a backend may assume well-formed arguments. Everything
 * around retries of handlers, dead-letter decisions and idempotent re-writes lives in the
 * store and in `src/subscribe/`; a backend only stores, reads and delivers.
 *
 * The required core is every member below without a `?`. Optional members are capabilities a
 * caller detects (`if (backend.categories)`); a backend that lacks one leaves it out rather
 * than faking it.
 */
import type { ExpectedVersion } from "./expected-version.ts";
import type { PreparedMessage, RecordedMessage } from "./message.ts";
import type { SnapshotStore } from "./snapshot-store.ts";
import type { ParsedStream, ParsedTarget } from "./stream-name.ts";

/** What a write returns: the last written message's place. */
export interface WriteResult {
  readonly position: number;
  readonly globalPosition: number;
}

/**
 * Where a tail begins: after a global position, or at the first message stored at or after
 * a wall-clock instant (milliseconds since the epoch, fractional for sub-millisecond
 * precision). `waitFor` uses the instant of its call, so a write racing the call is never
 * lost between a "read the head" step and the start of the live feed.
 */
export type TailStart = { readonly afterGlobalPosition: number } | { readonly sinceTimeMs: number };

export interface CategorySettings {
  /** Refuse a second write to a position (the default). `false` for categories shared with writers that put many messages on one subject. */
  readonly positionGuard: boolean;
  /** Byte limit; `undefined` is none. */
  readonly maxBytes: number | undefined;
  readonly replicas: number;
}

export interface CategoryStats {
  readonly category: string;
  /** The backend's own name for the category's storage (the JetStream stream name on NATS). */
  readonly storage: string;
  readonly messages: number;
  readonly bytes: number;
  readonly firstTime: Date | undefined;
  readonly lastTime: Date | undefined;
}

/** The stored form of a delivered message, kept so a dead letter can carry the original bytes. */
export interface RawMessage {
  /** The backend's storage for the category (JetStream stream name on NATS). */
  readonly storage: string;
  /** Its sequence in that storage: the message's global position. */
  readonly sequence: number;
  /** The original body, byte for byte. */
  readonly body: Uint8Array;
  /** Subject on NATS; `category.id.position`-shaped on memory. */
  readonly subject: string;
}

/**
 * One delivery of a message to a consumer. The delivery count is the backend's: on NATS the
 * consumer's `num_delivered`, so it survives process restarts.
 */
export interface Delivery {
  /** `undefined` when the stored body is malformed (`error` says why). */
  readonly message: RecordedMessage | undefined;
  readonly error: Error | undefined;
  readonly raw: RawMessage;
  /** 1-based: how many times this message has been delivered to this consumer, this time included. */
  readonly deliveryCount: number;
  /**
   * Done: never deliver again to this consumer. Resolves once the ack is sent, without waiting
   * for a confirmation round trip (NATS), so acks never hold up the next message; an ack lost
   * in transit leads to a redelivery, as at-least-once delivery allows.
   */
  ack(): Promise<void>;
  /** Failed: deliver again, to any member of the consumer, no sooner than `delayMs` from now. */
  nak(delayMs: number): void;
  /** Give up: never deliver again. The caller dead-letters first when it wants to. */
  term(): void;
  /** Still working: restart the ack timer so the message is not redelivered meanwhile. */
  inProgress(): void;
}

export interface ConsumerSpec {
  readonly target: ParsedTarget;
  /** Durable name. Every source with the same name and target shares one position: each message goes to one of them. */
  readonly consumer: string;
  /** How many messages to pull at once. Pulling is the backpressure: nothing is fetched until the caller asks. */
  readonly batchSize: number;
  /** Redeliver an unacked message after this long without `inProgress`. */
  readonly ackWaitMs: number;
  /** Where a consumer that does not exist yet starts. An existing one keeps its position. @default "beginning" */
  readonly startAt?: StartAt | undefined;
  /**
   * The consumer's dead-letter category. When set, the source also delivers the messages
   * `redrive` handed back to this consumer from there (see `redrive` below).
   */
  readonly deadLetter?: string | undefined;
}

/** Where a new (or reset) consumer starts: the first message at or after the given place. */
export type StartAt =
  | "beginning"
  | "end"
  | { readonly globalPosition: number }
  | { readonly time: Date };

/** How far a durable consumer has come. */
export interface ConsumerInfo {
  readonly consumer: string;
  readonly category: string;
  /** The stream name for a consumer of one stream; `undefined` for a whole category. */
  readonly stream: string | undefined;
  /** Messages of the target not delivered yet. */
  readonly pending: number;
  /** Delivered and not yet acked (held by a handler or waiting for a redelivery). */
  readonly inFlight: number;
  /** Of those in flight, how many have been delivered more than once. */
  readonly redelivered: number;
  /** Every message up to this global position has been handled (acked or given up); `0` for none. */
  readonly lastHandledGlobalPosition: number;
  /** `pending + inFlight`: the messages this consumer still has to handle. */
  readonly lag: number;
}

/** A dead letter as stored, with why it died. */
export interface DeadLetterRecord {
  /**
   * The original message: its id, type, data, metadata, stream, position and its original
   * `globalPosition`. `undefined` when its body does not decode (reason `malformed`).
   */
  readonly message: RecordedMessage | undefined;
  /** The original stream name, known even when the body is malformed. */
  readonly streamName: string;
  /** Where the dead letter itself sits in the dead-letter category: what `discardDeadLetter` takes. */
  readonly deadLetterPosition: number;
  readonly consumer: string;
  readonly attempts: number;
  readonly reason: string;
  readonly error: string;
  /** When it was dead-lettered. */
  readonly time: Date;
  /** The original message's global position in its category. */
  readonly originalSequence: number;
}

/**
 * A durable consumer's message source. Iterating pulls; the source never pushes more than
 * the caller has asked for plus one batch. New consumers start at the beginning of the
 * target; an existing one resumes after its last acked message.
 */
export interface ConsumerSource extends AsyncIterable<Delivery> {
  /** Stop fetching; the iterator ends. Deliveries already handed out may still be acked or naked. Idempotent. */
  close(): Promise<void>;
  /**
   * Capability: connection-level events while the source is open, from the call on; the
   * iterable ends when the source closes. A backend without a connection leaves it out.
   */
  status?(): AsyncIterable<BackendStatus>;
}

/** What a source reports about its connection: shown to users through `sub.status()`. */
export interface BackendStatus {
  /** `connected`: the consume is (re)established and pulling. */
  readonly type: "connected" | "disconnected" | "reconnected" | "heartbeats-missed";
  /** Backend detail for logs, e.g. the server or the missed-heartbeat count. */
  readonly detail?: string | undefined;
}

export type DeadLetterReason = "failed" | "terminated" | "malformed";

export interface DeadLetter {
  /** The dead-letter category, e.g. `"dlq"`. */
  readonly category: string;
  readonly delivery: Delivery;
  readonly reason: DeadLetterReason;
  /** The error's message, or the reason given to `terminate()`. */
  readonly error: string;
  readonly attempts: number;
  readonly consumer: string;
}

export interface Backend {
  /** `"memory"`, `"nats"`: shown in logs and tests. */
  readonly kind: string;
  /** The largest encoded body this backend accepts; the store checks it before `append`. */
  readonly maxMessageSize: number;

  /** Make sure the category has storage, creating it with `settings` when missing. Idempotent. */
  ensureCategory(category: string, settings: CategorySettings): Promise<void>;

  /**
   * Append `messages` (one or more) to the end of `stream`, atomically: all are stored at
   * consecutive positions or none is. Writes to one stream are applied in call order.
   *
   * - `expected` is checked against the stream's version with `assertExpectedVersion`; a
   *   mismatch throws `ExpectedVersionError` carrying the actual version, and stores nothing.
   * - With `"any"` a backend never throws `ExpectedVersionError`: it retries internally at
   *   the new end, and before each retry calls `findRetriedWrite` so a message that already
   *   landed is not stored twice.
   * - Limits throw `StreamFullError`; a missing category with `createMissingStreams: false`
   *   throws `StreamNotFoundError`.
   *
   * Not its job: validation, ids, the recent-write cache (the store does those).
   */
  append(
    stream: ParsedStream,
    messages: readonly PreparedMessage[],
    expected: ExpectedVersion,
  ): Promise<WriteResult>;

  /**
   * The stream's messages with `position >= fromPosition`, in position order, at most
   * `maxCount` (may be `Infinity`), in pages (non-empty arrays): an entity read in one request
   * comes as one page, so its reader pays one tick for it instead of one per message, and a
   * long stream is never held whole. Never throws for a missing stream.
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

  /** The position of the stream's last message; `-1` when it has none. */
  version(stream: ParsedStream): Promise<number>;

  /** The stream's last message, or its last of `type`. */
  last(stream: ParsedStream, type: string | undefined): Promise<RecordedMessage | undefined>;

  /** The category's last global position; `0` when it has none. */
  head(category: string): Promise<number>;

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

  /** Release every resource. Idempotent. Never closes a connection the caller owns. */
  close(): Promise<void>;

  /**
   * Capability: where entity snapshots are kept (see `src/snapshot-store.ts`). Entity stores
   * with a `snapshot` option need it; without it they refuse that option.
   */
  readonly snapshots?: SnapshotStore;

  /** Capability: every category with its size, for `mstore categories`. */
  categories?(): Promise<CategoryStats[]>;

  /**
   * Capability: move the durable consumer to `startAt`, creating it when missing, and forget
   * what it had in flight (a projection rebuild). Callers stop every subscription of the
   * consumer first: NATS deletes and recreates the durable, which ends their consumes.
   */
  resetConsumer?(target: ParsedTarget, consumer: string, startAt: StartAt): Promise<void>;

  /** Capability: the consumer's progress; `undefined` when no such consumer exists. */
  consumerInfo?(target: ParsedTarget, consumer: string): Promise<ConsumerInfo | undefined>;

  /** Capability: every durable consumer, of one category or of all. Internal re-drive consumers are left out. */
  consumers?(category: string | undefined): Promise<ConsumerInfo[]>;

  /** Capability: the dead letters stored in `category`, oldest first. Messages waiting to be re-driven are not listed. */
  deadLetters?(category: string): AsyncIterable<DeadLetterRecord>;

  /** Capability: remove the dead letter at `deadLetterPosition`. `false` when there is none. */
  discardDeadLetter?(category: string, deadLetterPosition: number): Promise<boolean>;

  /**
   * Capability: hand the dead letters at `deadLetterPositions` back to the consumers that
   * failed them, and remove them from `category`. A re-driven message goes to the consumer's
   * own re-drive queue (never to the entity's stream, which keeps its version), and is
   * delivered by sources whose spec names `category` as `deadLetter`. Returns how many moved.
   */
  redrive?(category: string, deadLetterPositions: readonly number[]): Promise<number>;
}
