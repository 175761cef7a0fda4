/**
 * Subscription options are checked when `subscribe()` is called, so a typo fails at once
 * instead of at the first message, and resolved into a shape with nothing optional.
 */
import type { StartAt } from "../backend.ts";
import { checkConsumerName, DEFAULT_ACK_WAIT_MS } from "../consumer-rules.ts";
import { InvalidOptionsError } from "../errors.ts";
import { positiveInteger as checkedPositive, checkOptionKeys } from "../option-checks.ts";
import { checkStartAt } from "../start-at.ts";
import { type ParsedTarget, parseTarget } from "../stream-name.ts";
import { type ConsumerGroupMember, groupDurableName } from "./group.ts";
import { retryDelayPolicy, withJitter } from "./retry-delay.ts";
import type {
  ConsumeOptions,
  ConsumerOptions,
  DeliveryHandlers,
  SubscribeOptions,
} from "./types.ts";

/** @default 3 */
export const DEFAULT_MAX_ATTEMPTS = 3;
/**
 * Large enough that a catch-up never waits on a pull round trip (bench W4: raw nats.js is at
 * its best at `max_messages: 1000` too). What the subscription holds is pinged in progress;
 * a pulled message that waits unread past the ack wait is redelivered, and the NATS source
 * acks a late copy of one it settled instead of handing it out (settled-sequences.ts).
 * @default 1000
 */
export const DEFAULT_BATCH_SIZE = 1000;
/**
 * The fewest milliseconds between two in-progress signals the default allows, so a short
 * `ackWaitMs` does not turn every held message into a stream of pings to the server.
 */
export const MIN_DEFAULT_IN_PROGRESS_INTERVAL_MS = 100;

/**
 * The default `inProgressIntervalMs`: a third of `ackWaitMs` (10 s for the default 30 s), so
 * a held message is marked in progress twice before its ack wait could run out, even with a
 * ping lost or late. Never more often than every 100 ms, unless `ackWaitMs` is so short that
 * only a shorter interval still comes before it.
 */
export function defaultInProgressIntervalMs(ackWaitMs: number): number {
  const floor = Math.min(MIN_DEFAULT_IN_PROGRESS_INTERVAL_MS, Math.floor(ackWaitMs / 2));
  return Math.max(Math.floor(ackWaitMs / 3), floor, 1);
}

export interface ResolvedConsumerOptions {
  /** The durable name: the `consumer` option, with the group suffix when in a group. */
  readonly consumer: string;
  readonly group: ConsumerGroupMember | undefined;
  readonly maxAttempts: number;
  /** Delay before redelivery after `attempt` failed, in milliseconds. */
  readonly retryDelay: (attempt: number) => number;
  readonly deadLetter: string | undefined;
  readonly batchSize: number;
  readonly ackWaitMs: number;
  readonly inProgressIntervalMs: number;
  /** `undefined`: the backend's default, the beginning. */
  readonly startAt: StartAt | undefined;
}

export interface ResolvedSubscribeOptions extends ResolvedConsumerOptions {
  readonly handlers: DeliveryHandlers;
  readonly concurrency: number;
  /** `undefined`: a handler may run as long as it likes. */
  readonly handlerTimeoutMs: number | undefined;
}

const CONSUMER_KEYS = [
  "consumer",
  "maxAttempts",
  "retryDelay",
  "retryJitter",
  "group",
  "deadLetter",
  "batchSize",
  "ackWaitMs",
  "inProgressIntervalMs",
  "startAt",
];
const SUBSCRIBE_KEYS = new Set([...CONSUMER_KEYS, "handlers", "concurrency", "handlerTimeoutMs"]);
const CONSUME_KEYS = new Set(CONSUMER_KEYS);

function fail(message: string): never {
  throw new InvalidOptionsError(`subscribe: ${message}`);
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  return checkedPositive(value, `subscribe: ${name}`) ?? fallback;
}

const isDelay = (value: unknown): value is number =>
  typeof value === "number" && Number.isFinite(value) && value >= 0;

/** Throws `InvalidOptionsError` unless `handlers` is an object of functions. */
export function checkHandlers(handlers: unknown): DeliveryHandlers {
  if (handlers === null || typeof handlers !== "object" || Array.isArray(handlers)) {
    fail("handlers must be an object of functions by message type");
  }
  for (const [type, handler] of Object.entries(handlers)) {
    if (typeof handler !== "function")
      fail(`the handler for ${JSON.stringify(type)} is not a function`);
  }
  // A copy: a caller mutating their object later does not change a running subscription.
  return { ...(handlers as DeliveryHandlers) };
}

function checkRetryDelay(delay: unknown): void {
  if (delay === undefined || typeof delay === "function" || isDelay(delay)) return;
  if (Array.isArray(delay) && delay.length > 0 && delay.every(isDelay)) return;
  fail("retryDelay must be milliseconds >= 0, a non-empty array of them, or (attempt) => ms");
}

function checkDeadLetter(deadLetter: unknown): string | undefined {
  if (deadLetter === undefined) return undefined;
  if (typeof deadLetter !== "string") fail("deadLetter must be a category name");
  let target: ParsedTarget;
  try {
    target = parseTarget(deadLetter);
  } catch (error) {
    throw new InvalidOptionsError(
      `subscribe: deadLetter ${JSON.stringify(deadLetter)} is not a valid category`,
      { cause: error },
    );
  }
  if (target.id !== undefined) fail(`deadLetter must be a category, got stream ${deadLetter}`);
  return target.category;
}

function checkJitter(jitter: unknown): number {
  if (jitter === undefined) return 0;
  if (typeof jitter !== "number" || !(jitter >= 0 && jitter <= 1)) {
    fail(`retryJitter must be a fraction from 0 to 1, got ${JSON.stringify(jitter)}`);
  }
  return jitter;
}

/**
 * `inProgressIntervalMs`, checked against `ackWaitMs`: an interval as long as the ack wait
 * would let the server redeliver a message whose handler is still running.
 */
function checkInProgressInterval(value: unknown, ackWaitMs: number): number {
  const interval = checkedPositive(value, "subscribe: inProgressIntervalMs");
  if (interval === undefined) return defaultInProgressIntervalMs(ackWaitMs);
  if (interval >= ackWaitMs) {
    fail(
      `inProgressIntervalMs (${interval}) must be shorter than ackWaitMs (${ackWaitMs}), or a running handler's message is redelivered`,
    );
  }
  return interval;
}

function checkGroup(group: unknown): ConsumerGroupMember | undefined {
  if (group === undefined) return undefined;
  if (group === null || typeof group !== "object") fail("group must be { member, size }");
  const { member, size } = group as { member?: unknown; size?: unknown };
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 1) {
    fail(`group.size must be a positive integer, got ${JSON.stringify(size)}`);
  }
  if (typeof member !== "number" || !Number.isSafeInteger(member) || member < 0 || member >= size) {
    fail(`group.member must be an integer from 0 to ${size - 1}, got ${JSON.stringify(member)}`);
  }
  return { member, size };
}

function checkKeys(options: object, known: ReadonlySet<string>): void {
  checkOptionKeys(options, known, "subscribe");
}

function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  checkRetryDelay(options.retryDelay);
  const consumer = checkConsumerName(options.consumer, "subscribe");
  const group = checkGroup(options.group);
  const ackWaitMs = positiveInteger(options.ackWaitMs, "ackWaitMs", DEFAULT_ACK_WAIT_MS);
  return {
    consumer: group === undefined ? consumer : groupDurableName(consumer, group),
    group,
    maxAttempts: positiveInteger(options.maxAttempts, "maxAttempts", DEFAULT_MAX_ATTEMPTS),
    retryDelay: withJitter(retryDelayPolicy(options.retryDelay), checkJitter(options.retryJitter)),
    deadLetter: checkDeadLetter(options.deadLetter),
    batchSize: positiveInteger(options.batchSize, "batchSize", DEFAULT_BATCH_SIZE),
    ackWaitMs,
    inProgressIntervalMs: checkInProgressInterval(options.inProgressIntervalMs, ackWaitMs),
    startAt: options.startAt === undefined ? undefined : checkStartAt(options.startAt, "subscribe"),
  };
}

/** Checks and resolves subscription options. Throws `InvalidOptionsError`. */
export function resolveSubscribeOptions(options: SubscribeOptions): ResolvedSubscribeOptions {
  if (options === null || typeof options !== "object") fail("options must be an object");
  checkKeys(options, SUBSCRIBE_KEYS);
  return {
    ...resolveConsumerOptions(options),
    handlers: checkHandlers(options.handlers),
    concurrency: positiveInteger(options.concurrency, "concurrency", 1),
    handlerTimeoutMs: checkedPositive(options.handlerTimeoutMs, "subscribe: handlerTimeoutMs"),
  };
}

/** Checks and resolves `consume()` options. Throws `InvalidOptionsError`. */
export function resolveConsumeOptions(options: ConsumeOptions): ResolvedConsumerOptions {
  if (options === null || typeof options !== "object") fail("options must be an object");
  checkKeys(options, CONSUME_KEYS);
  return resolveConsumerOptions(options);
}
