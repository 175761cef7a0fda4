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
  Instrumentation,
  InstrumentedStore,
} from "../instrumentation.ts";
import type { RecordedMessage } from "../message.ts";
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
  readonly instrumentation?: AttemptInstrumentation | undefined;
}

export interface AttemptInstrumentation {
  readonly hook: Instrumentation;
  readonly store: InstrumentedStore;
  /** The subscription's target name (category or stream). */
  readonly target: string;
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
  const after = (thrown: Thrown): Verdict =>
    verdictAfter(delivery, message, attempt, deps, recording, thrown);
  const scope = openAttemptScope(delivery, message, attempt, deps);
  if (scope !== undefined)
    return attemptInScope(scope, message, attempt, deps, after, handler, recording);
  let result: unknown;
  try {
    result = handler(message, recording.context);
    if (!isPromiseLike(result)) return after(undefined);
  } catch (error) {
    return after({ error });
  }
  return settledHandler(result, options.handlerTimeoutMs, message.type).then(after);
}

type Handler = NonNullable<ResolvedSubscribeOptions["handlers"][string]>;

/** The handler run inside the instrumentation's scope, which ends with the settled outcome. */
async function attemptInScope(
  scope: AttemptScope,
  message: RecordedMessage,
  attempt: number,
  deps: AttemptDeps,
  after: (thrown: Thrown) => Verdict,
  handler: Handler,
  recording: RecordingContext,
): Promise<Verdict> {
  const { options } = deps;
  let running: Promise<void>;
  try {
    running = scope.run(() => handler(message, recording.context));
  } catch (error) {
    running = Promise.reject(error);
  }
  const verdict = after(await settledHandler(running, options.handlerTimeoutMs, message.type));
  scope.end(attemptOutcome(verdict, attempt, options));
  return verdict;
}

/** A scope for an attempt that will run a handler; `undefined` without instrumentation. */
function openAttemptScope(
  delivery: Delivery,
  message: RecordedMessage,
  attempt: number,
  deps: AttemptDeps,
): AttemptScope | undefined {
  const instrumentation = deps.instrumentation;
  if (instrumentation === undefined) return undefined;
  return instrumentation.hook.attempt({
    store: instrumentation.store,
    consumer: deps.options.consumer,
    target: instrumentation.target,
    message,
    attempt,
    maxAttempts: deps.options.maxAttempts,
    headers: delivery.raw.headers,
    storage: delivery.raw.storage,
    subject: delivery.raw.destination,
  });
}

/** The verdict as the settle policy (`nextStep`) will settle it: a failed last attempt is given up. */
function attemptOutcome(
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
