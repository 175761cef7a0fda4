/**
 * One attempt at one delivery: run its handler and say what it decided (a `Verdict` for the
 * settle policy, settle.ts). Never throws: whatever the handler throws, however odd, becomes
 * a failed attempt with a readable error (error-text.ts), and a handler that outlives
 * `handlerTimeoutMs` is a failed attempt too.
 */
import type { Delivery } from "../backend.ts";
import { TimeoutError } from "../errors.ts";
import type { RecordedMessage } from "../message.ts";
import { errorText } from "./error-text.ts";
import { createHandlerContext } from "./handler-context.ts";
import type { ResolvedSubscribeOptions } from "./options.ts";
import {
  describeDelivery,
  type SettleDeps,
  type Verdict,
  verdictBeforeHandling,
} from "./settle.ts";
import type { Handler } from "./types.ts";

export interface AttemptDeps extends SettleDeps {
  readonly options: ResolvedSubscribeOptions;
}

/**
 * Runs the handler; returns what it threw, if anything. Without a timeout no timer is made
 * (one per message showed in W4), and a synchronous handler costs no extra tick.
 */
async function runHandler(
  handler: Handler,
  message: RecordedMessage,
  context: Parameters<Handler>[1],
  timeoutMs: number | undefined,
): Promise<{ readonly error: unknown } | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const result = handler(message, context);
    if (result === undefined) return undefined;
    if (timeoutMs === undefined) {
      await result;
      return undefined;
    }
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TimeoutError(
              `the ${message.type} handler did not finish within handlerTimeoutMs (${timeoutMs} ms)`,
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

/** Runs attempt `attempt` (1-based) of the handler for `delivery`; resolves with its verdict. */
export async function attemptDelivery(
  delivery: Delivery,
  attempt: number,
  deps: AttemptDeps,
): Promise<Verdict> {
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
  const thrown = await runHandler(handler, message, recording.context, options.handlerTimeoutMs);
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
