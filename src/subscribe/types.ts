/** The public shapes of subscriptions: handlers, their context, options. */
import type { BackendStatus, DeadLetterReason, Delivery, WriteResult } from "../backend.ts";
import type { Followed, Message, MessageOfType, RecordedMessage } from "../message.ts";
import type { StartAtOption } from "../start-at.ts";

/** What a subscription tells a handler about one delivery, and the decisions it can record. */
export interface DeliveryContext {
  /** 1-based: the how-many-th time this message is being handled by this consumer. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** `attempt >= maxAttempts`: a failure now dead-letters the message. */
  readonly isLastAttempt: boolean;
  readonly consumer: string;
  /** Give up on this message: once the handler returns it is dead-lettered (reason `terminated`) and never redelivered. */
  terminate(reason?: string): void;
  /** Ask for a redelivery after `delayMs` (default: the retry policy's delay) once the handler returns. Counts as an attempt. */
  retry(options?: { delayMs?: number }): void;
  /** Tell the backend the handler is still working (also sent automatically every 10 s). */
  inProgress(): void;
}

/** The handler's context: the delivery, and the metadata conventions applied to the message being handled. */
export interface HandlerContext extends DeliveryContext {
  /**
   * `next` with the causation of the message being handled (its stream, position and global
   * position) and its correlation and reply streams (and Zencastr's `originSubject` and
   * `traceId`) in `metadata`: what `follow(message, next)` gives.
   */
  follow<Type extends string, Data>(next: Message<Type, Data>): Followed<Type, Data>;
  /**
   * Writes `message`, followed, to the reply stream (`replyStreamName`) of the message being
   * handled. Rejects with `InvalidMessageError` when that message names no reply stream.
   */
  reply(message: Message): Promise<WriteResult>;
}

/** A message handler, sync or async. A throw or rejection is a failed attempt. */
export type Handler<Received extends RecordedMessage = RecordedMessage> = (
  message: Received,
  context: HandlerContext,
) => void | Promise<void>;

/**
 * Handlers by message type. With a contract, the keys are its types (another key does not
 * compile) and each handler receives its type's message. A message of a type with no handler
 * is acknowledged and logged at debug.
 */
export type Handlers<Received extends RecordedMessage = RecordedMessage> = {
  readonly [Type in Received["type"]]?: Handler<MessageOfType<Received, Type>>;
};

/** What the dispatcher runs: a handler the store has already given its message tools. */
export type DeliveryHandler = (
  message: RecordedMessage,
  context: DeliveryContext,
) => void | Promise<void>;

export type DeliveryHandlers = Readonly<Record<string, DeliveryHandler>>;

/**
 * The store's view of each delivery before the rules run: upcast it, mark it invalid (an
 * `InvalidMessageError` as its `error`, with the message kept), or return `undefined` for a
 * delivery this subscription does not want (acknowledged unhandled, as a group does).
 */
export type DeliveryHook = (
  delivery: Delivery,
) => Delivery | undefined | Promise<Delivery | undefined>;

/**
 * Delay before a failed message is redelivered, in milliseconds: a number, an array indexed
 * by attempt (`[0]` after the first failure; the last value repeats), or `(attempt) => ms`.
 */
export type RetryDelay = number | readonly number[] | ((attempt: number) => number);

/** One member of a consumer group: it handles the streams whose cardinal id hashes to `member`. */
export interface ConsumerGroup {
  /** 0-based, less than `size`. */
  member: number;
  size: number;
}

/** The options `subscribe()` and `consume()` share: who consumes, and the retry rules. */
export interface ConsumerOptions {
  /**
   * Durable consumer name. Subscriptions with the same name share the messages: each is
   * handled once. With `group`, the durable name is `${consumer}-${member}of${size}`.
   */
  consumer: string;
  /**
   * How many times the handler may run for one message.
   * @default 3
   */
  maxAttempts?: number | undefined;
  /**
   * @default 1000 ms, doubling per attempt, capped at 60 000 ms
   */
  retryDelay?: RetryDelay | undefined;
  /**
   * Spread retries out: the policy's delay is multiplied by a random factor in
   * `[1 - retryJitter, 1 + retryJitter]`. A fraction from 0 to 1; not applied to `ctx.retry({ delayMs })`.
   * @default 0
   */
  retryJitter?: number | undefined;
  /** Consumer-group membership (see docs/consumers.md). @default undefined (this member handles every stream) */
  group?: ConsumerGroup | undefined;
  /** Category that receives messages that failed every attempt, were terminated or are malformed. @default undefined (they are dropped with an error log) */
  deadLetter?: string | undefined;
  /**
   * Where the consumer starts when it does not exist yet: `"beginning"`, `"end"` (only
   * messages written from now on), `{ globalPosition }` or `{ time }` (the first message stored
   * at or after it). An existing consumer keeps its position; `store.resetConsumer` moves it.
   * @default "beginning"
   */
  startAt?: StartAtOption | undefined;
  /**
   * Messages pulled per fetch; with `concurrency`, at most `batchSize + concurrency` are held unacked.
   * On NATS a pulled message not yet read is not marked in progress; one that waits longer than
   * `ackWaitMs` is delivered again. This process never handles that copy, but another process
   * sharing the consumer may: there, keep `batchSize` × handler time under `ackWaitMs`
   * (handlers under about 30 ms at the defaults). Lower it too when several processes share a
   * consumer and each message takes long.
   * @default 1000
   */
  batchSize?: number | undefined;
  /**
   * Redelivery timeout for a message whose handler neither finishes nor reports progress.
   * @default 30000
   */
  ackWaitMs?: number | undefined;
  /**
   * How often a running handler's message (and each one held behind it) is marked in
   * progress, so the server does not redeliver it. Must be shorter than `ackWaitMs`.
   * @default a third of `ackWaitMs` (10000 for the default), at least 100 ms when `ackWaitMs` allows
   */
  inProgressIntervalMs?: number | undefined;
  /**
   * Check each delivery of a declared type against its schema (after upcasting). One that
   * fails is dead-lettered with reason `invalid` and the schema's issues as its error; it never
   * reaches the handler. Needs a target with a contract (`defineCategory`).
   * @default false
   */
  validate?: boolean | undefined;
  /**
   * Only messages whose `correlationStreamName` is in this category (Message DB's
   * `correlation`); the others are acknowledged unhandled. Filtered in the client on every backend.
   * @default undefined (every message)
   */
  correlation?: string | undefined;
}

export interface SubscribeOptions<Received extends RecordedMessage = RecordedMessage>
  extends ConsumerOptions {
  handlers: Handlers<Received>;
  /**
   * Handlers running at once. Never two of one stream: each stream is handled in position
   * order, retries included.
   * @default 1
   */
  concurrency?: number | undefined;
  /**
   * Longest one attempt of a handler may take, in milliseconds. An attempt still running then
   * counts as failed: it is retried or dead-lettered like a throw, with a `TimeoutError`. The
   * handler itself cannot be cancelled and runs on in the background; what it does later is
   * ignored. It also bounds `stop()`, which waits for the handlers in flight: without it, a
   * handler that never settles holds its stream and `stop()` forever.
   * @default undefined (no limit)
   */
  handlerTimeoutMs?: number | undefined;
}

/** `consume()` takes the consumer options; there are no handlers, the loop body is the handler. */
export type ConsumeOptions = ConsumerOptions;

/** One message of `store.consume()`. Settle it with `ack`, `nak` or `terminate` before asking for the next. */
export interface ConsumedMessage<Received extends RecordedMessage = RecordedMessage> {
  readonly message: Received;
  /** 1-based, as `HandlerContext.attempt`. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Done: acknowledged now. */
  ack(): Promise<void>;
  /** Failed: handed out again after `delayMs` (default: the retry policy's delay), or dead-lettered after `maxAttempts`. */
  nak(delayMs?: number): void;
  /** Give up now: dead-lettered (reason `terminated`) and never handed out again. */
  terminate(reason?: string): Promise<void>;
  /** Still working: keeps the backend from redelivering it meanwhile. */
  inProgress(): void;
  /**
   * Runs `work` inside this attempt's trace, so that the writes it makes are children of the
   * attempt's span, as a subscription handler's are (with the store's `instrumentation`;
   * without it, just calls `work`). The loop body itself runs in the caller's context.
   */
  inTrace<Result>(work: () => Result): Result;
}

/** What `sub.status()` reports, kept apart from the messages. */
export type SubscriptionStatus =
  | { readonly type: "started"; readonly consumer: string }
  | { readonly type: "stopped"; readonly consumer: string }
  | {
      readonly type: "handler-error";
      readonly error: unknown;
      readonly messageId: string;
      readonly streamName: string;
      readonly globalPosition: number;
      readonly attempt: number;
    }
  | {
      readonly type: "dead-lettered";
      readonly reason: DeadLetterReason;
      readonly error: string;
      readonly messageId: string | undefined;
      readonly globalPosition: number;
      readonly attempts: number;
      /** The dead-letter category; `undefined` when none is configured and the message was dropped. */
      readonly deadLetter: string | undefined;
    }
  | { readonly type: "source-error"; readonly error: unknown }
  | { readonly type: "source-reopened" }
  | BackendStatus;

export interface Subscription extends AsyncDisposable {
  readonly consumer: string;
  /** `true` between `start()` and `stop()`. */
  readonly running: boolean;
  /** Starts fetching. Idempotent; concurrent calls share one start. */
  start(): Promise<void>;
  /** Stops fetching, lets the handlers in flight finish and acks them, hands back what never started, then resolves. Idempotent. */
  stop(): Promise<void>;
  /**
   * Status events from this call on, until the subscription next stops (`stopped` is the
   * last). A reader that falls far behind loses its oldest events, never the messages.
   */
  status(): AsyncIterableIterator<SubscriptionStatus>;
}
