/**
 * The records a backend hands back besides messages: write results, category and consumer
 * statistics, deliveries and dead letters. `src/backend.ts` says what each member of the
 * contract does with them; this file only gives their shape.
 */
import type { RecordedMessage } from "./message.ts";
import type { ParsedTarget } from "./stream-name.ts";

/** What a write returns: the last written message's place. */
export interface WriteResult {
  readonly position: number;
  readonly globalPosition: number;
}

/**
 * Where a tail begins: after a global position, or at the first message stored at or after
 * a wall-clock instant (milliseconds since the epoch, fractional for sub-millisecond
 * precision). `waitFor` uses the instant of its call, so a write racing the call is never
 * lost between a "read the last global position" step and the start of the live feed.
 */
export type TailStart = { readonly afterGlobalPosition: number } | { readonly sinceTimeMs: number };

/**
 * How a category's entities sit in storage, where a backend has a choice (NATS, DESIGN §8):
 * `position` gives every message a subject of its own; `zencastr` puts an entity's messages
 * on one subject, as the Zencastr Python message store does.
 */
export type CategoryLayout = "position" | "zencastr";

export interface CategorySettings {
  /** Refuse a second write to a position (the default). `false` for categories shared with writers that put many messages on one subject. */
  readonly positionGuard: boolean;
  /** Byte limit; `undefined` is none. */
  readonly maxBytes: number | undefined;
  readonly replicas: number;
  /**
   * The layout of a category created now; an existing category's is kept, and asking for
   * another is `CategoryLayoutError`. `undefined`: the backend's default (`position`).
   * Backends without a choice of layout ignore it.
   */
  readonly layout?: CategoryLayout | undefined;
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
  /**
   * Where the message was published, as logs and traces name it (`messaging.destination.name`):
   * its subject on NATS, its stream name on memory. For display: nothing parses it.
   */
  readonly destination: string;
  /**
   * The backend's own reference to the stored message (the subject on NATS, the log entry on
   * memory). Opaque to the store and to subscriptions: only the backend that made the delivery
   * reads it, when the delivery comes back to it in `deadLetter`.
   */
  readonly handle: unknown;
  /** Its stored headers, where the backend keeps them (NATS) and the message has any. Read by instrumentation only. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
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
   * `redrive` handed back to this consumer from there.
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
  /**
   * The consumer that gave up on it. `undefined` for a dead letter another writer made
   * (Zencastr republishes the body alone): its consumer, attempts, error and original
   * global position are not recorded, and its `reason` is `"unknown"`.
   */
  readonly consumer: string | undefined;
  readonly attempts: number | undefined;
  /** `failed`, `terminated`, `malformed`, or `unknown` (another writer's dead letter). */
  readonly reason: string;
  readonly error: string;
  /** When it was dead-lettered. The original's time is `message.time`. */
  readonly time: Date;
  /** The original message's global position in its category; `undefined` when not recorded. */
  readonly originalSequence: number | undefined;
}

/** What a source reports about its connection: shown to users through `sub.status()`. */
export interface BackendStatus {
  /** `connected`: the consume is (re)established and pulling. */
  readonly type: "connected" | "disconnected" | "reconnected" | "heartbeats-missed";
  /** Backend detail for logs, e.g. the server or the missed-heartbeat count. */
  readonly detail?: string | undefined;
}

/** `invalid`: the data failed its type's schema in a subscription that validates (`validate: true`). */
export type DeadLetterReason = "failed" | "terminated" | "malformed" | "invalid";

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
