/**
 * One attempt at one delivery: run its handler and say what it decided (a `Verdict` for the
 * settle policy, settle.ts). Never throws: whatever the handler throws, however odd, becomes
 * a failed attempt with a readable error (error-text.ts), and a handler that outlives
 * `handlerTimeoutMs` is a failed attempt too.
 */
import type { Delivery } from "../backend.ts";
import { TimeoutError } from "../errors.ts";
import type {
  AttemptOutcome,
  AttemptScope,
  ConsumerInstrumentation,
  Instrumentation,
  InstrumentedStore,
} from "../instrumentation.ts";
import type { RecordedMessage } from "../message.ts";
import type { ParsedTarget } from "../stream-name.ts";
import { errorText } from "./error-text.ts";
import { createHandlerContext, type RecordingContext } from "./handler-context.ts";
import type { ResolvedConsumerOptions, ResolvedSubscribeOptions } from "./options.ts";
import {
  describeDelivery,
  nextStep,
  type SettleDeps,
  type Verdict,
  verdictBeforeHandling,
} from "./settle.ts";

export interface AttemptDeps extends SettleDeps {
  readonly options: ResolvedSubscribeOptions;
  /** Set when the store has the `instrumentation` option: each handler attempt opens a scope. */
  readonly instrumentation?: ConsumerInstrumentation | undefined;
}

/** What the store hands a subscription or `consume()` loop when it has the `instrumentation` option. */
export interface AttemptInstrumentation {
  readonly hook: Instrumentation;
  readonly store: InstrumentedStore;
}

/** The consumer's instrumentation, made once per subscription or loop; `undefined` without a hook. */
export function instrumentConsumer(
  instrumentation: AttemptInstrumentation | undefined,
  target: ParsedTarget,
  options: ResolvedConsumerOptions,
): ConsumerInstrumentation | undefined {
  return instrumentation?.hook.consumer({
    store: instrumentation.store,
    consumer: options.consumer,
    category: target.category,
    streamId: target.id,
    maxAttempts: options.maxAttempts,
  });
}

type Thrown = { readonly error: unknown } | undefined;

/**
 * Waits for a handler's promise, at most `timeoutMs`; resolves with what it threw. Without a
 * timeout no timer is made (one per message showed in W4).
 */
async function settledHandler(
  result: PromiseLike<unknown>,
  timeoutMs: number | undefined,
  type: string,
): Promise<Thrown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (timeoutMs === undefined) {
      await result;
      return undefined;
    }
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TimeoutError(
              `the ${type} handler did not finish within handlerTimeoutMs (${timeoutMs} ms)`,
              timeoutMs,
            ),
          ),
        timeoutMs,
      );
    });
    // The handler's promise cannot be cancelled; it runs on, and its outcome is ignored.
    await Promise.race([result, timedOut]);
    return undefined;
  } catch (error) {
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Runs attempt `attempt` (1-based) of the handler for `delivery` and gives its verdict: at
 * once for a synchronous handler (no extra tick per message), else once its promise settles.
 */
export function attemptDelivery(
  delivery: Delivery,
  attempt: number,
  deps: AttemptDeps,
): Verdict | Promise<Verdict> {
  const { options, logger } = deps;
  const message = delivery.message;
  const handler = message === undefined ? undefined : options.handlers[message.type];
  if (message !== undefined && handler === undefined) {
    logger.debug(
      describeDelivery(delivery, attempt),
      "no handler for this message type; acknowledged",
    );
    return { kind: "ack" };
  }
  const early = verdictBeforeHandling(delivery, attempt, options);
  if (early !== undefined || message === undefined || handler === undefined) {
    return early ?? { kind: "ack" };
  }
  const recording = createHandlerContext(delivery, options.consumer, options.maxAttempts, attempt);
  const scope = deps.instrumentation?.attempt(message, attempt, delivery.raw);
  let result: unknown;
  try {
    result =
      scope === undefined
        ? handler(message, recording.context)
        : scope.run(handler, message, recording.context);
  } catch (error) {
    return settleAttempt(delivery, message, attempt, deps, recording, { error }, scope);
  }
  // A synchronous handler is settled at once: no extra tick per message, traced or not.
  if (!isPromiseLike(result))
    return settleAttempt(delivery, message, attempt, deps, recording, undefined, scope);
  return settledHandler(result, options.handlerTimeoutMs, message.type).then((thrown) =>
    settleAttempt(delivery, message, attempt, deps, recording, thrown, scope),
  );
}

/** The attempt's verdict, told to its instrumentation scope when it has one. */
function settleAttempt(
  delivery: Delivery,
  message: RecordedMessage,
  attempt: number,
  deps: AttemptDeps,
  recording: RecordingContext,
  thrown: Thrown,
  scope: AttemptScope | undefined,
): Verdict {
  const verdict = verdictAfter(delivery, message, attempt, deps, recording, thrown);
  if (scope !== undefined) {
    if (thrown !== undefined) scope.fail(thrown.error);
    scope.end(attemptOutcome(verdict, attempt, deps.options));
  }
  return verdict;
}

/** The verdict as the settle policy (`nextStep`) will settle it: a failed last attempt is given up. */
export function attemptOutcome(
  verdict: Verdict,
  attempt: number,
  options: ResolvedConsumerOptions,
): AttemptOutcome {
  const step = nextStep(verdict, attempt, options);
  if (step.kind === "ack") return step;
  if (step.kind === "retry")
    return { kind: "retry", error: verdict.kind === "ack" ? "" : verdict.error };
  const givenUp = options.deadLetter === undefined ? "drop" : "dead-letter";
  const reason = step.reason === "terminated" ? "terminated" : "failed";
  return { kind: givenUp, reason, error: step.error };
}

function verdictAfter(
  delivery: Delivery,
  message: RecordedMessage,
  attempt: number,
  deps: AttemptDeps,
  recording: RecordingContext,
  thrown: Thrown,
): Verdict {
  const { options, logger } = deps;
  const decision = recording.decision();
  if (decision.kind === "terminate") {
    return { kind: "give-up", reason: "terminated", error: decision.reason };
  }
  if (thrown !== undefined) {
    const error = errorText(thrown.error);
    logger.warn(
      { ...describeDelivery(delivery, attempt), err: thrown.error, error },
      "handler failed",
    );
    deps.report?.({
      type: "handler-error",
      error: thrown.error,
      messageId: message.id,
      streamName: message.streamName,
      globalPosition: message.globalPosition,
      attempt,
    });
    return { kind: "retry", error, delayMs: undefined };
  }
  if (decision.kind === "retry") {
    const error = `retry() requested on attempt ${attempt} of ${options.maxAttempts}`;
    return { kind: "retry", error, delayMs: decision.delayMs };
  }
  return { kind: "ack" };
}
