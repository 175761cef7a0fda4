/**
 * One delivery in, one outcome out: the rules of DESIGN §5 for a single message. Dispatch
 * never throws; whatever goes wrong around the handler (an ack that fails, a dead letter that
 * cannot be written) is logged and turned into the safest outcome, a later redelivery.
 */
import type { Backend, DeadLetterReason, Delivery } from "../backend.ts";
import type {
  AttemptOutcome,
  AttemptScope,
  Instrumentation,
  InstrumentedStore,
} from "../instrumentation.ts";
import type { Logger } from "../options.ts";
import { createHandlerContext } from "./handler-context.ts";
import type { ResolvedConsumerOptions, ResolvedSubscribeOptions } from "./options.ts";
import type { SubscriptionStatus } from "./types.ts";

export type DispatchOutcome =
  /** Handled (or no handler for its type): acknowledged. */
  | "acked"
  /** Failed with attempts left, or `retry()`: redelivered later. */
  | "retried"
  /** Given up: dead-lettered when a category is configured, then terminated. */
  | "dead-lettered"
  /** Given up without a dead-letter category: terminated and logged. */
  | "dropped";

/** What one attempt decided; settling it is a separate step, so a retry can wait in process. */
export type Verdict =
  | { readonly kind: "ack" }
  | { readonly kind: "retry"; readonly error: string; readonly delayMs: number | undefined }
  | { readonly kind: "give-up"; readonly reason: DeadLetterReason; readonly error: string };

/** The settling half of dispatch: what `consume()` needs, without handlers. */
export interface SettleDeps {
  readonly backend: Pick<Backend, "deadLetter">;
  readonly options: ResolvedConsumerOptions;
  readonly logger: Logger;
  /** Receives `handler-error` and `dead-lettered`; the subscription forwards them to `status()`. */
  readonly report?: ((status: SubscriptionStatus) => void) | undefined;
}

export interface DispatchDeps extends SettleDeps {
  readonly options: ResolvedSubscribeOptions;
  /** Set when the store has the `instrumentation` option: each handler attempt opens a scope. */
  readonly instrumentation?: DispatchInstrumentation | undefined;
}

export interface DispatchInstrumentation {
  readonly hook: Instrumentation;
  readonly store: InstrumentedStore;
  /** The subscription's target name (category or stream). */
  readonly target: string;
}

/** If a dead letter cannot be written, the message comes back after this instead of being lost. */
export const DEAD_LETTER_FAILURE_RETRY_MS = 5000;

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
}

function describe(delivery: Delivery, attempt = delivery.deliveryCount): Record<string, unknown> {
  return {
    storage: delivery.raw.storage,
    sequence: delivery.raw.sequence,
    subject: delivery.raw.subject,
    stream: delivery.message?.streamName,
    type: delivery.message?.type,
    attempt,
  };
}

/** Dead-letters (when configured) and terminates. */
export async function giveUp(
  delivery: Delivery,
  reason: DeadLetterReason,
  error: string,
  attempt: number,
  deps: SettleDeps,
): Promise<DispatchOutcome> {
  const { options, logger, backend } = deps;
  const reported = (deadLetter: string | undefined): void =>
    deps.report?.({
      type: "dead-lettered",
      reason,
      error,
      messageId: delivery.message?.id,
      globalPosition: delivery.raw.sequence,
      attempts: attempt,
      deadLetter,
    });
  if (options.deadLetter === undefined) {
    logger.error(
      { ...describe(delivery, attempt), consumer: options.consumer, reason, error },
      "message given up and dropped: no deadLetter category is configured",
    );
    delivery.term();
    reported(undefined);
    return "dropped";
  }
  try {
    await backend.deadLetter({
      category: options.deadLetter,
      delivery,
      reason,
      error,
      attempts: attempt,
      consumer: options.consumer,
    });
  } catch (writeError) {
    // Terminating now would lose the message; it comes back and is given up again.
    logger.error(
      { ...describe(delivery, attempt), consumer: options.consumer, err: writeError },
      "could not write the dead letter; the message will be redelivered",
    );
    delivery.nak(DEAD_LETTER_FAILURE_RETRY_MS);
    return "retried";
  }
  logger.warn(
    {
      ...describe(delivery, attempt),
      consumer: options.consumer,
      reason,
      error,
      deadLetter: options.deadLetter,
    },
    "message dead-lettered",
  );
  delivery.term();
  reported(options.deadLetter);
  return "dead-lettered";
}

/** `true` when a failed `attempt` leaves no attempt: the message is given up instead of retried. */
export function isFinalAttempt(attempt: number, options: ResolvedConsumerOptions): boolean {
  return attempt >= options.maxAttempts;
}

/** How long to wait before the attempt after `attempt`: the handler's request, else the policy. */
export function retryDelayFor(
  verdict: { readonly delayMs: number | undefined },
  attempt: number,
  options: ResolvedConsumerOptions,
): number {
  return verdict.delayMs ?? options.retryDelay(attempt);
}

/**
 * Settles a verdict through the backend: a retry is a nak with the delay, so the backend
 * redelivers it (possibly after later messages of its stream).
 */
export function settle(
  delivery: Delivery,
  verdict: Verdict,
  attempt: number,
  deps: SettleDeps,
): Promise<DispatchOutcome> | DispatchOutcome {
  switch (verdict.kind) {
    case "ack":
      return acknowledge(delivery, deps);
    case "give-up":
      return giveUp(delivery, verdict.reason, verdict.error, attempt, deps);
    case "retry":
      if (isFinalAttempt(attempt, deps.options))
        return giveUp(delivery, "failed", verdict.error, attempt, deps);
      delivery.nak(retryDelayFor(verdict, attempt, deps.options));
      return "retried";
  }
}

/**
 * Runs the handler, returning the error it threw, if any. With `intervalMs` it pings
 * in-progress meanwhile; the ordered dispatcher passes `undefined`, since one timer of its own
 * already pings everything it holds, and a timer per message costs on every delivery.
 */
async function runHandler(
  invoke: () => void | Promise<void>,
  delivery: Delivery,
  intervalMs: number | undefined,
): Promise<{ error: unknown } | undefined> {
  const keepAlive =
    intervalMs === undefined ? undefined : setInterval(() => delivery.inProgress(), intervalMs);
  try {
    await invoke();
    return undefined;
  } catch (error) {
    return { error };
  } finally {
    clearInterval(keepAlive);
  }
}

export async function acknowledge(
  delivery: Delivery,
  deps: Pick<SettleDeps, "logger">,
): Promise<DispatchOutcome> {
  try {
    await delivery.ack();
  } catch (error) {
    // At-least-once: the backend redelivers an unacknowledged message; handlers are idempotent.
    deps.logger.warn(
      { ...describe(delivery), err: error },
      "ack failed; the message may be redelivered",
    );
  }
  return "acked";
}

/**
 * The verdict before any handler runs: malformed, or delivered more often than allowed
 * (maxAttempts lowered, or a crash after the last try). `undefined`: go ahead.
 */
export function verdictBeforeHandling(
  delivery: Delivery,
  attempt: number,
  options: ResolvedConsumerOptions,
): Verdict | undefined {
  if (delivery.message === undefined) {
    return {
      kind: "give-up",
      reason: "malformed",
      error: delivery.error?.message ?? "malformed message",
    };
  }
  if (attempt > options.maxAttempts) {
    const error = `delivered ${attempt} times, more than maxAttempts ${options.maxAttempts}`;
    return { kind: "give-up", reason: "failed", error };
  }
  return undefined;
}

/**
 * Runs one attempt (`attempt` is 1-based) of the handler for `delivery` and says what should
 * happen. Never throws. `keepAlive: false` when the caller pings in-progress itself.
 */
export async function attemptDelivery(
  delivery: Delivery,
  attempt: number,
  deps: DispatchDeps,
  keepAlive = true,
): Promise<Verdict> {
  const scope = openAttemptScope(delivery, attempt, deps);
  if (scope === undefined) return attemptHandler(delivery, attempt, deps, keepAlive, undefined);
  const verdict = await attemptHandler(delivery, attempt, deps, keepAlive, scope);
  scope.end(attemptOutcome(verdict, attempt, deps.options));
  return verdict;
}

/** A scope for an attempt that will run a handler; `undefined` without instrumentation. */
function openAttemptScope(
  delivery: Delivery,
  attempt: number,
  deps: DispatchDeps,
): AttemptScope | undefined {
  const instrumentation = deps.instrumentation;
  const message = delivery.message;
  if (instrumentation === undefined || message === undefined) return undefined;
  if (deps.options.handlers[message.type] === undefined) return undefined;
  return instrumentation.hook.attempt({
    store: instrumentation.store,
    consumer: deps.options.consumer,
    target: instrumentation.target,
    message,
    attempt,
    maxAttempts: deps.options.maxAttempts,
    headers: delivery.raw.headers,
    storage: delivery.raw.storage,
    subject: delivery.raw.subject,
  });
}

/** The verdict as it will be settled (`settle`): a failed last attempt is given up. */
function attemptOutcome(
  verdict: Verdict,
  attempt: number,
  options: ResolvedConsumerOptions,
): AttemptOutcome {
  if (verdict.kind === "ack") return verdict;
  const givenUp = options.deadLetter === undefined ? "drop" : "dead-letter";
  if (verdict.kind === "retry" && !isFinalAttempt(attempt, options))
    return { kind: "retry", error: verdict.error };
  const reason =
    verdict.kind === "give-up" && verdict.reason === "terminated" ? "terminated" : "failed";
  return { kind: givenUp, reason, error: verdict.error };
}

async function attemptHandler(
  delivery: Delivery,
  attempt: number,
  deps: DispatchDeps,
  keepAlive: boolean,
  scope: AttemptScope | undefined,
): Promise<Verdict> {
  const { options, logger } = deps;
  const message = delivery.message;
  const handler = message === undefined ? undefined : options.handlers[message.type];
  if (message !== undefined && handler === undefined) {
    logger.debug(describe(delivery, attempt), "no handler for this message type; acknowledged");
    return { kind: "ack" };
  }
  const early = verdictBeforeHandling(delivery, attempt, options);
  if (early !== undefined || message === undefined || handler === undefined) {
    return early ?? { kind: "ack" };
  }
  const recording = createHandlerContext(delivery, options.consumer, options.maxAttempts, attempt);
  const invoke = (): void | Promise<void> => handler(message, recording.context);
  const thrown = await runHandler(
    scope === undefined ? invoke : () => scope.run(invoke),
    delivery,
    keepAlive ? options.inProgressIntervalMs : undefined,
  );
  const decision = recording.decision();
  if (decision.kind === "terminate") {
    return { kind: "give-up", reason: "terminated", error: decision.reason };
  }
  if (thrown !== undefined) {
    logger.warn({ ...describe(delivery, attempt), err: thrown.error }, "handler failed");
    deps.report?.({
      type: "handler-error",
      error: thrown.error,
      messageId: message.id,
      streamName: message.streamName,
      globalPosition: message.globalPosition,
      attempt,
    });
    return { kind: "retry", error: errorMessage(thrown.error), delayMs: undefined };
  }
  if (decision.kind === "retry") {
    const error = `retry() requested on attempt ${attempt} of ${options.maxAttempts}`;
    return { kind: "retry", error, delayMs: decision.delayMs };
  }
  return { kind: "ack" };
}

/** Applies the subscription rules to one delivery and settles it through the backend. Never throws. */
export async function dispatch(delivery: Delivery, deps: DispatchDeps): Promise<DispatchOutcome> {
  const attempt = delivery.deliveryCount;
  return settle(delivery, await attemptDelivery(delivery, attempt, deps), attempt, deps);
}
