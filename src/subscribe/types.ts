/** The public shapes of subscriptions: handlers, their context, options. */
import type { RecordedMessage } from "../message.ts";

export interface HandlerContext {
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

/** A message handler, sync or async. A throw or rejection is a failed attempt. */
export type Handler<Message extends RecordedMessage = RecordedMessage> = (
  message: Message,
  context: HandlerContext,
) => void | Promise<void>;

/** Handlers by message type. A message of a type with no handler is acknowledged and logged at debug. */
export type Handlers = Readonly<Record<string, Handler>>;

/**
 * Delay before a failed message is redelivered, in milliseconds: a number, an array indexed
 * by attempt (`[0]` after the first failure; the last value repeats), or `(attempt) => ms`.
 */
export type RetryDelay = number | readonly number[] | ((attempt: number) => number);

export interface SubscribeOptions {
  /** Durable consumer name. Subscriptions with the same name share the messages: each is handled once. */
  consumer: string;
  handlers: Handlers;
  /**
   * How many times the handler may run for one message.
   * @default 3
   */
  maxAttempts?: number | undefined;
  /**
   * @default 1000 ms, doubling per attempt, capped at 60 000 ms
   */
  retryDelay?: RetryDelay | undefined;
  /** Category that receives messages that failed every attempt, were terminated or are malformed. @default undefined (they are dropped with an error log) */
  deadLetter?: string | undefined;
  /**
   * Messages pulled per fetch (they are still handled one at a time, in order).
   * @default 100
   */
  batchSize?: number | undefined;
  /**
   * Redelivery timeout for a message whose handler neither finishes nor reports progress.
   * @default 30000
   */
  ackWaitMs?: number | undefined;
  /**
   * How often a running handler's message is marked in progress.
   * @default 10000
   */
  inProgressIntervalMs?: number | undefined;
}

export interface Subscription extends AsyncDisposable {
  readonly consumer: string;
  /** `true` between `start()` and `stop()`. */
  readonly running: boolean;
  /** Starts fetching. Idempotent; concurrent calls share one start. */
  start(): Promise<void>;
  /** Stops fetching, lets the handler in flight finish and acks it, then resolves. Idempotent. */
  stop(): Promise<void>;
}
