/**
 * One delivery in, one outcome out: the rules of DESIGN §5 for a single message. Dispatch
 * never throws; whatever goes wrong around the handler (an ack that fails, a dead letter that
 * cannot be written) is logged and turned into the safest outcome, a later redelivery.
 */
import type { Backend, DeadLetterReason, Delivery } from "../backend.ts";
import type { Logger } from "../options.ts";
import { createHandlerContext } from "./handler-context.ts";
import type { ResolvedSubscribeOptions } from "./options.ts";

export type DispatchOutcome =
  /** Handled (or no handler for its type): acknowledged. */
  | "acked"
  /** Failed with attempts left, or `retry()`: redelivered later. */
  | "retried"
  /** Given up: dead-lettered when a category is configured, then terminated. */
  | "dead-lettered"
  /** Given up without a dead-letter category: terminated and logged. */
  | "dropped";

export interface DispatchDeps {
  readonly backend: Pick<Backend, "deadLetter">;
  readonly options: ResolvedSubscribeOptions;
  readonly logger: Logger;
}

/** If a dead letter cannot be written, the message comes back after this instead of being lost. */
export const DEAD_LETTER_FAILURE_RETRY_MS = 5000;

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : (JSON.stringify(error) ?? String(error));
}

function describe(delivery: Delivery): Record<string, unknown> {
  return {
    storage: delivery.raw.storage,
    sequence: delivery.raw.sequence,
    subject: delivery.raw.subject,
    stream: delivery.message?.streamName,
    type: delivery.message?.type,
    attempt: delivery.deliveryCount,
  };
}

/** Dead-letters (when configured) and terminates. */
async function giveUp(
  delivery: Delivery,
  reason: DeadLetterReason,
  error: string,
  deps: DispatchDeps,
): Promise<DispatchOutcome> {
  const { options, logger, backend } = deps;
  if (options.deadLetter === undefined) {
    logger.error(
      { ...describe(delivery), consumer: options.consumer, reason, error },
      "message given up and dropped: no deadLetter category is configured",
    );
    delivery.term();
    return "dropped";
  }
  try {
    await backend.deadLetter({
      category: options.deadLetter,
      delivery,
      reason,
      error,
      attempts: delivery.deliveryCount,
      consumer: options.consumer,
    });
  } catch (writeError) {
    // Terminating now would lose the message; it comes back and is given up again.
    logger.error(
      { ...describe(delivery), consumer: options.consumer, err: writeError },
      "could not write the dead letter; the message will be redelivered",
    );
    delivery.nak(DEAD_LETTER_FAILURE_RETRY_MS);
    return "retried";
  }
  logger.warn(
    {
      ...describe(delivery),
      consumer: options.consumer,
      reason,
      error,
      deadLetter: options.deadLetter,
    },
    "message dead-lettered",
  );
  delivery.term();
  return "dead-lettered";
}

/** A failed attempt: redeliver while attempts remain, else give up. */
function failAttempt(
  delivery: Delivery,
  error: string,
  delayMs: number | undefined,
  deps: DispatchDeps,
): Promise<DispatchOutcome> | DispatchOutcome {
  const attempt = delivery.deliveryCount;
  if (attempt >= deps.options.maxAttempts) return giveUp(delivery, "failed", error, deps);
  delivery.nak(delayMs ?? deps.options.retryDelay(attempt));
  return "retried";
}

/** Runs the handler with in-progress pings, returning the error it threw, if any. */
async function runHandler(
  invoke: () => void | Promise<void>,
  delivery: Delivery,
  intervalMs: number,
): Promise<{ error: unknown } | undefined> {
  const keepAlive = setInterval(() => delivery.inProgress(), intervalMs);
  try {
    await invoke();
    return undefined;
  } catch (error) {
    return { error };
  } finally {
    clearInterval(keepAlive);
  }
}

async function acknowledge(delivery: Delivery, deps: DispatchDeps): Promise<DispatchOutcome> {
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

/** Applies the subscription rules to one delivery and settles it. Never throws. */
export async function dispatch(delivery: Delivery, deps: DispatchDeps): Promise<DispatchOutcome> {
  const { options, logger } = deps;
  const message = delivery.message;
  if (message === undefined) {
    return giveUp(delivery, "malformed", delivery.error?.message ?? "malformed message", deps);
  }
  const handler = options.handlers[message.type];
  if (handler === undefined) {
    logger.debug(describe(delivery), "no handler for this message type; acknowledged");
    return acknowledge(delivery, deps);
  }
  if (delivery.deliveryCount > options.maxAttempts) {
    // Delivered more often than allowed (maxAttempts lowered, or a crash after the last try).
    const error = `delivered ${delivery.deliveryCount} times, more than maxAttempts ${options.maxAttempts}`;
    return giveUp(delivery, "failed", error, deps);
  }
  const recording = createHandlerContext(delivery, options.consumer, options.maxAttempts);
  const thrown = await runHandler(
    () => handler(message, recording.context),
    delivery,
    options.inProgressIntervalMs,
  );
  const decision = recording.decision();
  if (decision.kind === "terminate") return giveUp(delivery, "terminated", decision.reason, deps);
  if (thrown !== undefined) {
    logger.warn({ ...describe(delivery), err: thrown.error }, "handler failed");
    return failAttempt(delivery, errorMessage(thrown.error), undefined, deps);
  }
  if (decision.kind === "retry") {
    const error = `retry() requested on attempt ${delivery.deliveryCount} of ${options.maxAttempts}`;
    return failAttempt(delivery, error, decision.delayMs, deps);
  }
  return acknowledge(delivery, deps);
}
