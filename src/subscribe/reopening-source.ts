/**
 * The one rule for a consumer source that fails or ends while it is still wanted: log it,
 * wait (250 ms, doubling per failure in a row, at most 5 s), and open it again. Subscriptions
 * and `consume()` both read through it, so every backend's source may simply end or throw
 * when its connection to the consumer is lost (on NATS: the consumer was deleted, the consume
 * failed); nothing stalls silently.
 */
import type { ConsumerSource, Delivery } from "../backend.ts";
import type { Logger } from "../options.ts";
import { pause } from "../util/pause.ts";

/** First pause before reopening a failed source; doubles per failure in a row. */
export const REOPEN_DELAY_MS = 250;
/** Longest pause between reopen attempts. */
export const MAX_REOPEN_DELAY_MS = 5000;

/** The pause before reopening after `failures` failures in a row (1-based). */
export function reopenDelay(failures: number): number {
  return Math.min(
    REOPEN_DELAY_MS * 2 ** Math.min(Math.max(failures - 1, 0), 30),
    MAX_REOPEN_DELAY_MS,
  );
}

export interface ReopenHooks {
  readonly logger: Logger;
  readonly consumer: string;
  /** Every source opened, the first included: a subscription forwards its status events. */
  readonly opened?: ((source: ConsumerSource) => void) | undefined;
  /** A source failed (threw); it is reopened after the pause. */
  readonly failed?: ((error: unknown) => void) | undefined;
  /** A source is being opened again after a failure or an end. */
  readonly reopening?: (() => void) | undefined;
}

/** A source over `open()`'s, reopened until `close()`. */
export function reopeningSource(open: () => ConsumerSource, hooks: ReopenHooks): ConsumerSource {
  const closed = new AbortController();
  let current: ConsumerSource | undefined;
  const closeCurrent = async (): Promise<void> => {
    const source = current;
    current = undefined;
    try {
      await source?.close();
    } catch (error) {
      hooks.logger.warn(
        { consumer: hooks.consumer, err: error },
        "closing the consumer source failed",
      );
    }
  };
  async function* deliveries(): AsyncGenerator<Delivery> {
    let failures = 0;
    try {
      while (!closed.signal.aborted) {
        if (failures > 0) hooks.reopening?.();
        current = open();
        hooks.opened?.(current);
        try {
          for await (const delivery of current) {
            failures = 0;
            yield delivery;
          }
          if (closed.signal.aborted) break;
          hooks.logger.warn({ consumer: hooks.consumer }, "consumer source ended; reopening it");
        } catch (error) {
          if (closed.signal.aborted) break;
          hooks.logger.error(
            { consumer: hooks.consumer, err: error },
            "consumer source failed; reopening it",
          );
          hooks.failed?.(error);
        }
        await closeCurrent();
        failures += 1;
        await pause(reopenDelay(failures), closed.signal);
      }
    } finally {
      await closeCurrent();
    }
  }
  return {
    [Symbol.asyncIterator]: deliveries,
    async close() {
      closed.abort();
      await closeCurrent();
    },
  };
}
