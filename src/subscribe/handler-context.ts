/**
 * The `ctx` a handler receives. `terminate()` and `retry()` only record a decision; dispatch
 * acts on it once the handler has returned, so a handler that calls both, or calls one twice,
 * still produces exactly one outcome.
 */
import type { Delivery } from "../backend.ts";
import { errorText } from "./error-text.ts";
import type { HandlerContext } from "./types.ts";

export type HandlerDecision =
  | { readonly kind: "none" }
  | { readonly kind: "terminate"; readonly reason: string }
  | { readonly kind: "retry"; readonly delayMs: number | undefined };

export interface RecordingContext {
  readonly context: HandlerContext;
  /** What the handler asked for; `terminate` wins over `retry`, and the first `terminate` is kept. */
  decision(): HandlerDecision;
}

/** The reason recorded when `terminate()` is called without one. */
export const DEFAULT_TERMINATE_REASON = "terminated by handler";

export function createHandlerContext(
  delivery: Delivery,
  consumer: string,
  maxAttempts: number,
  /** Retries in process run again on the same delivery, so the attempt is counted by the caller. */
  attempt: number = delivery.deliveryCount,
): RecordingContext {
  let decision: HandlerDecision = { kind: "none" };
  const context: HandlerContext = {
    attempt,
    maxAttempts,
    isLastAttempt: attempt >= maxAttempts,
    consumer,
    terminate(reason?: string): void {
      if (decision.kind === "terminate") return;
      decision = {
        kind: "terminate",
        reason: reason === undefined ? DEFAULT_TERMINATE_REASON : errorText(reason),
      };
    },
    retry(options?: { delayMs?: number }): void {
      if (decision.kind === "terminate") return;
      const delayMs = options?.delayMs;
      decision = {
        kind: "retry",
        delayMs:
          typeof delayMs === "number" && Number.isFinite(delayMs) && delayMs >= 0
            ? delayMs
            : undefined,
      };
    },
    inProgress(): void {
      delivery.inProgress();
    },
  };
  return { context, decision: () => decision };
}
