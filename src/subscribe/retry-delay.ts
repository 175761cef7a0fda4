/**
 * How long a failed message waits before it is redelivered. Every form of `retryDelay`
 * becomes one function of the attempt that just failed (1-based).
 */
import type { RetryDelay } from "./types.ts";

/** First delay of the default policy. @default 1000 */
export const DEFAULT_RETRY_DELAY_MS = 1000;
/** The default policy doubles per attempt up to this. @default 60000 */
export const MAX_DEFAULT_RETRY_DELAY_MS = 60_000;

/** 1 s after the first failure, 2 s after the second, … never more than 60 s. */
export function defaultRetryDelay(attempt: number): number {
  const doublings = Math.max(0, attempt - 1);
  // 2 ** 6 * 1000 already passes the cap; stopping there keeps huge attempts finite.
  return Math.min(
    DEFAULT_RETRY_DELAY_MS * 2 ** Math.min(doublings, 16),
    MAX_DEFAULT_RETRY_DELAY_MS,
  );
}

/**
 * Turns a checked `retryDelay` into `(attempt) => ms`. An array is indexed by attempt
 * (`[0]` after the first failure) and its last value repeats. A function's result is
 * clamped to a non-negative finite number so a bad callback cannot stall the consumer.
 */
export function retryDelayPolicy(delay: RetryDelay | undefined): (attempt: number) => number {
  if (delay === undefined) return defaultRetryDelay;
  if (typeof delay === "number") return () => delay;
  if (typeof delay === "function") {
    return (attempt) => {
      const ms = delay(attempt);
      return typeof ms === "number" && Number.isFinite(ms) && ms > 0 ? ms : 0;
    };
  }
  const delays = [...delay];
  const last = delays[delays.length - 1] ?? 0;
  return (attempt) => delays[Math.max(0, attempt - 1)] ?? last;
}

/**
 * Multiplies each delay by a random factor in `[1 - jitter, 1 + jitter]`, so consumers that
 * failed together do not all retry at the same instant.
 */
export function withJitter(
  policy: (attempt: number) => number,
  jitter: number,
  random: () => number = Math.random,
): (attempt: number) => number {
  if (jitter === 0) return policy;
  return (attempt) => Math.max(0, policy(attempt) * (1 + jitter * (2 * random() - 1)));
}
