/**
 * The one settle policy (DESIGN §5): from what an attempt decided (its verdict) to what
 * happens to the delivery: acknowledged, run again in this process after a delay, or given
 * up (dead-lettered when a category is configured, then terminated). The ordered dispatcher
 * and `consume()` both call it; they differ only in how they wait out a retry.
 *
 * Retries wait in process, never through a nak: a nak would let the backend redeliver the
 * message after later messages of its stream. Whatever goes wrong while settling (an ack or a
 * dead letter that cannot be written) is logged and becomes the safest outcome, a later
 * redelivery; nothing here throws.
 */
import type { Backend, DeadLetterReason, Delivery } from "../backend.ts";
import { isInvalidMessageError } from "../errors.ts";
import type { Logger } from "../options.ts";
import type { ResolvedConsumerOptions } from "./options.ts";
import type { SubscriptionStatus } from "./types.ts";

/** What one attempt decided. */
export type Verdict =
  | { readonly kind: "ack" }
  | { readonly kind: "retry"; readonly error: string; readonly delayMs: number | undefined }
  | { readonly kind: "give-up"; readonly reason: DeadLetterReason; readonly error: string };

/** What the policy makes of a verdict. */
export type Step =
  | { readonly kind: "ack" }
  /** Run the next attempt in this process after `delayMs`. */
  | { readonly kind: "retry"; readonly delayMs: number }
  | { readonly kind: "give-up"; readonly reason: DeadLetterReason; readonly error: string };

export interface SettleDeps {
  readonly backend: Pick<Backend, "deadLetter">;
  readonly options: ResolvedConsumerOptions;
  readonly logger: Logger;
  /** Receives `handler-error` and `dead-lettered`; a subscription forwards them to `status()`. */
  readonly report?: ((status: SubscriptionStatus) => void) | undefined;
}

/** If a dead letter cannot be written, the message comes back after this instead of being lost. */
export const DEAD_LETTER_FAILURE_RETRY_MS = 5000;

/**
 * The step after `attempt` (1-based) ended with `verdict`: a failure with attempts left is
 * retried after the handler's requested delay or the retry policy's; the last one gives up.
 */
export function nextStep(
  verdict: Verdict,
  attempt: number,
  options: ResolvedConsumerOptions,
): Step {
  if (verdict.kind !== "retry") return verdict;
  if (attempt >= options.maxAttempts) {
    return { kind: "give-up", reason: "failed", error: verdict.error };
  }
  return { kind: "retry", delayMs: verdict.delayMs ?? options.retryDelay(attempt) };
}

/**
 * The verdict before any handler runs: malformed, invalid (failed its schema), or delivered more often than allowed
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
  // Marked by the store's delivery hook: the data failed its schema (`validate: true`).
  if (isInvalidMessageError(delivery.error)) {
    return { kind: "give-up", reason: "invalid", error: delivery.error.message };
  }
  if (attempt > options.maxAttempts) {
    const error = `delivered ${attempt} times, more than maxAttempts ${options.maxAttempts}`;
    return { kind: "give-up", reason: "failed", error };
  }
  return undefined;
}

/** Log fields that place a delivery. */
export function describeDelivery(
  delivery: Delivery,
  attempt: number = delivery.deliveryCount,
): Record<string, unknown> {
  return {
    storage: delivery.raw.storage,
    sequence: delivery.raw.sequence,
    destination: delivery.raw.destination,
    stream: delivery.message?.streamName,
    type: delivery.message?.type,
    attempt,
  };
}

/** Acknowledges; a failed ack is logged (at-least-once: the backend redelivers, handlers are idempotent). */
export async function acknowledge(
  delivery: Delivery,
  deps: Pick<SettleDeps, "logger">,
): Promise<void> {
  try {
    await delivery.ack();
  } catch (error) {
    deps.logger.warn(
      { ...describeDelivery(delivery), err: error },
      "ack failed; the message may be redelivered",
    );
  }
}

/** Dead-letters (when configured) and terminates; a dead letter that cannot be written means a later redelivery. */
export async function giveUp(
  delivery: Delivery,
  reason: DeadLetterReason,
  error: string,
  attempt: number,
  deps: SettleDeps,
): Promise<void> {
  const { options, logger, backend } = deps;
  const where = { ...describeDelivery(delivery, attempt), consumer: options.consumer };
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
      { ...where, reason, error },
      "message given up and dropped: no deadLetter category is configured",
    );
    delivery.term();
    reported(undefined);
    return;
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
      { ...where, err: writeError },
      "could not write the dead letter; the message will be redelivered",
    );
    delivery.nak(DEAD_LETTER_FAILURE_RETRY_MS);
    return;
  }
  logger.warn({ ...where, reason, error, deadLetter: options.deadLetter }, "message dead-lettered");
  delivery.term();
  reported(options.deadLetter);
}
