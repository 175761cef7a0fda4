/**
 * The one rule for a consumer source that fails or ends while it is still wanted: log it,
 * wait (250 ms, doubling per failure in a row, at most 1 s), and open it again. Subscriptions
 * and `consume()` both read through it, so every backend's source may simply end or throw
 * when its connection to the consumer is lost (on NATS: the consumer was deleted, the consume
 * failed); nothing stalls silently.
 */
import type { ConsumerSource, Delivery } from "../backend.ts";
import type { Logger } from "../options.ts";
import { pause } from "../util/pause.ts";

/** First pause before reopening a failed source; doubles per failure in a row. */
export const REOPEN_DELAY_MS = 250;
/**
 * Longest pause between reopen attempts. Short, because a consumer whose leader died gets a
 * new one 4–9 s later (measured on a loopback cluster) and only a pull sent after that
 * election is answered: the pause is how late the subscription notices. An attempt while
 * there is no leader costs one refused pull on NATS.
 */
export const MAX_REOPEN_DELAY_MS = 1000;

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

/**
 * A source over `open()`'s, reopened until `close()`. Written as a plain iterator rather than a
 * generator: while a source delivers, `next()` costs one `then` over the source's own, and
 * every delivery of a subscription passes here (bench W4).
 */
export function reopeningSource(open: () => ConsumerSource, hooks: ReopenHooks): ConsumerSource {
  const closed = new AbortController();
  let current: ConsumerSource | undefined;
  let iterator: AsyncIterator<Delivery> | undefined;
  let failures = 0;
  const done: IteratorResult<Delivery> = { done: true, value: undefined };

  /** Closes of sources left behind on a reopen, still finishing; `close()` waits for them. */
  const closing = new Set<Promise<void>>();

  const closeCurrent = (): Promise<void> => {
    const source = current;
    current = undefined;
    iterator = undefined;
    if (source === undefined) return Promise.resolve();
    const closed = source.close().catch((error: unknown) => {
      hooks.logger.warn(
        { consumer: hooks.consumer, err: error },
        "closing the consumer source failed",
      );
    });
    closing.add(closed);
    void closed.finally(() => closing.delete(closed));
    return closed;
  };

  const openNext = (): AsyncIterator<Delivery> => {
    if (failures > 0) hooks.reopening?.();
    current = open();
    hooks.opened?.(current);
    iterator = current[Symbol.asyncIterator]();
    return iterator;
  };

  /** After a source ended or failed: pause, then read from a new one (or end, once closed). */
  const reopen = async (error: unknown, failed: boolean): Promise<IteratorResult<Delivery>> => {
    if (closed.signal.aborted) return done;
    if (failed) {
      hooks.logger.error(
        { consumer: hooks.consumer, err: error },
        "consumer source failed; reopening it",
      );
      hooks.failed?.(error);
    } else {
      hooks.logger.warn({ consumer: hooks.consumer }, "consumer source ended; reopening it");
    }
    // Not awaited: a source's close may wait for its server to confirm acks (NATS does, up to
    // its timeout), and a server that just lost its consumer's leadership never answers. The
    // next source must not wait for that: a stall of the whole timeout after every leader
    // change was exactly this wait (docs/reliability.md).
    void closeCurrent();
    failures += 1;
    await pause(reopenDelay(failures), closed.signal);
    if (closed.signal.aborted) return done;
    return next();
  };

  const next = (): Promise<IteratorResult<Delivery>> => {
    if (closed.signal.aborted) return Promise.resolve(done);
    const reading = iterator ?? openNext();
    return reading.next().then(
      (result) => {
        if (result.done !== true) {
          failures = 0;
          return result;
        }
        return reopen(undefined, false);
      },
      (error: unknown) => reopen(error, true),
    );
  };

  const close = async (): Promise<void> => {
    closed.abort();
    await closeCurrent();
    await Promise.all(closing);
  };

  return {
    [Symbol.asyncIterator]: () => ({
      next,
      return: async () => {
        await close();
        return done;
      },
    }),
    close,
  };
}
