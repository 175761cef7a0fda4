/**
 * Two consumer sources read as one: a subscription's durable and its re-drive durable.
 * Each `next()` takes whichever source has a delivery first; a source is asked for its next
 * delivery only after the previous one was handed out, so neither pulls ahead of the caller.
 */
import type { ConsumerSource, Delivery } from "../../backend.ts";

interface Pulled {
  readonly index: number;
  readonly result: IteratorResult<Delivery>;
}

export function mergeSources(main: ConsumerSource, extra: ConsumerSource): ConsumerSource {
  const sources = [main, extra];
  const close = async (): Promise<void> => {
    await Promise.all(sources.map((source) => source.close()));
  };
  async function* deliveries(): AsyncGenerator<Delivery> {
    const iterators = sources.map((source) => source[Symbol.asyncIterator]());
    const waiting = new Map<number, Promise<Pulled>>();
    const pull = (index: number): void => {
      const iterator = iterators[index] as AsyncIterator<Delivery>;
      waiting.set(
        index,
        iterator.next().then((result) => ({ index, result })),
      );
    };
    for (let index = 0; index < iterators.length; index += 1) pull(index);
    try {
      while (waiting.size > 0) {
        const { index, result } = await Promise.race(waiting.values());
        waiting.delete(index);
        // One source ended (its consume was lost): end both, so the caller reopens them together.
        if (result.done === true) break;
        yield result.value;
        pull(index);
      }
    } finally {
      // Leaving early, or one source ending, ends both.
      if (waiting.size > 0) void close();
    }
  }
  const merged: ConsumerSource = {
    [Symbol.asyncIterator]: deliveries,
    close,
  };
  const status = main.status?.bind(main);
  return status === undefined ? merged : { ...merged, status };
}
