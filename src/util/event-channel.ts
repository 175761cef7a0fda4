/**
 * A fan-out of status events: every `iterate()` gets the events published after it began, in
 * order, until the channel ends or the reader stops. A slow reader never holds up the
 * publisher; past `limit` unread events its oldest are dropped, so memory stays bounded.
 */

/** Unread events kept per reader before the oldest are dropped. @default 1000 */
export const DEFAULT_EVENT_BUFFER = 1000;

interface Reader<T> {
  readonly buffer: T[];
  wake: (() => void) | undefined;
  ended: boolean;
}

export class EventChannel<T> {
  readonly #readers = new Set<Reader<T>>();
  readonly #limit: number;

  constructor(limit: number = DEFAULT_EVENT_BUFFER) {
    this.#limit = limit;
  }

  publish(event: T): void {
    for (const reader of this.#readers) {
      reader.buffer.push(event);
      if (reader.buffer.length > this.#limit) reader.buffer.shift();
      reader.wake?.();
    }
  }

  /** Ends every current reader once it has read what was published before. */
  end(): void {
    for (const reader of this.#readers) {
      reader.ended = true;
      reader.wake?.();
    }
    this.#readers.clear();
  }

  /** Events from now on. `until` ends the reader right after yielding an event it accepts. */
  iterate(until?: (event: T) => boolean): AsyncIterableIterator<T> {
    const reader: Reader<T> = { buffer: [], wake: undefined, ended: false };
    this.#readers.add(reader);
    const leave = (): IteratorResult<T, undefined> => {
      reader.ended = true;
      reader.buffer.length = 0;
      this.#readers.delete(reader);
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<T> = {
      next: async () => {
        while (reader.buffer.length === 0) {
          if (reader.ended) return leave();
          await new Promise<void>((resolve) => {
            reader.wake = resolve;
          });
          reader.wake = undefined;
        }
        const event = reader.buffer.shift() as T;
        if (until?.(event) === true) {
          reader.ended = true;
          reader.buffer.length = 0;
          this.#readers.delete(reader);
        }
        return { done: false, value: event };
      },
      return: async () => leave(),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
