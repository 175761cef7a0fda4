/**
 * `store.consume()`: the subscription rules for callers who prefer pulling. The loop body is
 * the handler: `ack()` is success, `nak()` a failed attempt, `terminate()` giving up. A
 * failed message is handed out again in process after its retry delay, before the next one,
 * so order holds as with `concurrency: 1`; after `maxAttempts` it is dead-lettered. An item
 * left unsettled when the next one is requested counts as a failed attempt (an ack is never
 * assumed). Leaving the loop closes the source and hands an unsettled item back at once.
 * With the store's `instrumentation`, each item is one attempt's scope, from the hand-out to
 * its settling, as a subscription's handler attempt is.
 */
import type { Backend, Delivery } from "../backend.ts";
import type { AttemptOutcome, AttemptScope, ConsumerInstrumentation } from "../instrumentation.ts";
import type { RecordedMessage } from "../message.ts";
import type { Logger } from "../options.ts";
import type { ParsedTarget } from "../stream-name.ts";
import { pause } from "../util/pause.ts";
import { type AttemptInstrumentation, attemptOutcome, instrumentConsumer } from "./attempt.ts";
import { errorText } from "./error-text.ts";
import { isMine } from "./group.ts";
import { DEFAULT_TERMINATE_REASON } from "./handler-context.ts";
import { type ResolvedConsumerOptions, resolveConsumeOptions } from "./options.ts";
import { reopeningSource } from "./reopening-source.ts";
import {
  acknowledge,
  giveUp,
  nextStep,
  type SettleDeps,
  type Verdict,
  verdictBeforeHandling,
} from "./settle.ts";
import type { ConsumedMessage, ConsumeOptions, DeliveryHook } from "./types.ts";

/** The error recorded for an item nobody settled before asking for the next one. */
export const UNSETTLED_ERROR =
  "not acked, naked or terminated before the next message was requested";

/** The error recorded for an item left unsettled when the loop ended: it is handed back. */
export const LEFT_UNSETTLED_ERROR = "not acked, naked or terminated before the loop ended";

/** One item handed out; remembers how it was settled. */
interface Handout {
  readonly item: ConsumedMessage;
  /** `undefined` while unsettled; `"settled"` once acked or terminated (already done). */
  outcome(): Verdict | "settled" | undefined;
  /** The caller moved on: an unsettled item becomes a failed attempt, and later calls do nothing. */
  close(): Verdict | "settled";
  /** The loop ended with the item unsettled: it goes back to the consumer (the caller naks it). */
  handBack(): void;
  /** Waits for an ack or terminate still being written. */
  idle(): Promise<void>;
}

function handOut(
  delivery: Delivery,
  message: RecordedMessage,
  attempt: number,
  deps: SettleDeps,
  scope: AttemptScope | undefined,
): Handout {
  let outcome: Verdict | "settled" | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  // The attempt's instrumentation scope ends once, at the first settling that decides it.
  let scopeOpen = scope !== undefined;
  const endScope = (ended: AttemptOutcome): void => {
    if (!scopeOpen) return;
    scopeOpen = false;
    scope?.end(ended);
  };
  const claim = (): boolean => {
    if (outcome !== undefined) return false;
    outcome = "settled";
    return true;
  };
  const item: ConsumedMessage = {
    message,
    attempt,
    maxAttempts: deps.options.maxAttempts,
    ack: async () => {
      if (!claim()) return;
      endScope({ kind: "ack" });
      writing = acknowledge(delivery, deps);
      await writing;
    },
    nak: (delayMs) => {
      if (outcome !== undefined) return;
      const valid = typeof delayMs === "number" && Number.isFinite(delayMs) && delayMs >= 0;
      const error = `naked on attempt ${attempt} of ${deps.options.maxAttempts}`;
      outcome = { kind: "retry", error, delayMs: valid ? delayMs : undefined };
    },
    terminate: async (reason) => {
      if (!claim()) return;
      const text = reason === undefined ? DEFAULT_TERMINATE_REASON : errorText(reason);
      endScope(
        attemptOutcome(
          { kind: "give-up", reason: "terminated", error: text },
          attempt,
          deps.options,
        ),
      );
      writing = giveUp(delivery, "terminated", text, attempt, deps);
      await writing;
    },
    inProgress: () => delivery.inProgress(),
    inTrace: (work) => (scope === undefined ? work() : scope.run(work)),
  };
  return {
    item,
    outcome: () => outcome,
    close: () => {
      outcome ??= { kind: "retry", error: UNSETTLED_ERROR, delayMs: undefined };
      if (outcome !== "settled") endScope(attemptOutcome(outcome, attempt, deps.options));
      return outcome;
    },
    handBack: () => endScope({ kind: "retry", error: LEFT_UNSETTLED_ERROR }),
    idle: async () => {
      await writing.catch(() => {});
    },
  };
}

/** Waits `ms` while keeping the delivery from being redelivered elsewhere. */
async function waitHolding(
  delivery: Delivery,
  ms: number,
  options: ResolvedConsumerOptions,
  signal: AbortSignal,
): Promise<void> {
  const keepAlive = setInterval(() => delivery.inProgress(), options.inProgressIntervalMs);
  try {
    await pause(ms, signal);
  } finally {
    clearInterval(keepAlive);
  }
}

async function* consumeDeliveries(
  backend: Backend,
  target: ParsedTarget,
  options: ResolvedConsumerOptions,
  logger: Logger,
  hook: DeliveryHook | undefined,
  instrumentation: ConsumerInstrumentation | undefined,
): AsyncGenerator<ConsumedMessage, void, undefined> {
  const deps: SettleDeps = { backend, options, logger };
  const closed = new AbortController();
  const source = reopeningSource(
    () =>
      backend.consume({
        target,
        consumer: options.consumer,
        batchSize: options.batchSize,
        ackWaitMs: options.ackWaitMs,
        startAt: options.startAt,
        deadLetter: options.deadLetter,
      }),
    { logger, consumer: options.consumer },
  );
  let current: { delivery: Delivery; handout: Handout | undefined } | undefined;
  try {
    for await (const received of source) {
      let delivery: Delivery | undefined = received;
      if (!isMine(options.group, received.message)) delivery = undefined;
      else if (hook !== undefined) delivery = await hook(received);
      if (delivery === undefined) {
        await acknowledge(received, deps);
        continue;
      }
      current = { delivery, handout: undefined };
      for (let attempt = delivery.deliveryCount; ; attempt += 1) {
        const early = verdictBeforeHandling(delivery, attempt, options);
        if (early !== undefined || delivery.message === undefined) {
          if (early?.kind === "give-up")
            await giveUp(delivery, early.reason, early.error, attempt, deps);
          break;
        }
        const message = delivery.message;
        const scope = instrumentation?.attempt(message, attempt, delivery.raw);
        const handout = handOut(delivery, message, attempt, deps, scope);
        current.handout = handout;
        yield handout.item;
        await handout.idle();
        const outcome = handout.close();
        if (outcome === "settled") break;
        const step = nextStep(outcome, attempt, options);
        if (step.kind === "give-up") {
          await giveUp(delivery, step.reason, step.error, attempt, deps);
          break;
        }
        if (step.kind === "ack") break;
        await waitHolding(delivery, step.delayMs, options, closed.signal);
      }
      current = undefined;
    }
  } finally {
    closed.abort();
    // Left early: an item not settled yet goes back to the consumer for a redelivery.
    if (current !== undefined && current.handout?.outcome() !== "settled") {
      current.handout?.handBack();
      current.delivery.nak(0);
    }
    await source.close();
  }
}

/**
 * The pull form of a subscription. Nothing is fetched until iteration begins; each
 * `for await` opens (or joins) the durable consumer. Throws `InvalidOptionsError` at once.
 */
export function createConsumer(
  backend: Backend,
  target: ParsedTarget,
  options: ConsumeOptions,
  logger: Logger,
  hook?: DeliveryHook,
  instrumentation?: AttemptInstrumentation,
): AsyncIterable<ConsumedMessage> {
  const resolved = resolveConsumeOptions(options);
  const consumer = instrumentConsumer(instrumentation, target, resolved);
  return {
    [Symbol.asyncIterator]: () =>
      consumeDeliveries(backend, target, resolved, logger, hook, consumer),
  };
}
