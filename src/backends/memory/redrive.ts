/**
 * Re-drive queues of the memory backend: dead letters handed back to the consumer that failed
 * them, waiting until that consumer pulls. One queue per dead-letter category and consumer
 * name; a durable consumer whose spec names the dead-letter category takes the entries of its
 * own target from it, ahead of new messages. Nothing is appended to the entity's stream.
 */
import type { StoredEntry } from "./log.ts";

export interface RedriveItem {
  /** The category log the original lived in. */
  readonly storage: string;
  /** The original entry as it was delivered the first time (its own global position). */
  readonly entry: StoredEntry;
}

const keyOf = (deadLetterCategory: string, consumer: string): string =>
  `${deadLetterCategory}\u0000${consumer}`;

export class RedriveQueues {
  readonly #queues = new Map<string, RedriveItem[]>();
  readonly #watchers = new Map<string, Set<() => void>>();

  push(deadLetterCategory: string, consumer: string, item: RedriveItem): void {
    const key = keyOf(deadLetterCategory, consumer);
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = [];
      this.#queues.set(key, queue);
    }
    queue.push(item);
    for (const wake of this.#watchers.get(key) ?? []) wake();
  }

  /** Takes the oldest item `accept`s (the consumer's target), or `undefined`. */
  take(
    deadLetterCategory: string,
    consumer: string,
    accept: (item: RedriveItem) => boolean,
  ): RedriveItem | undefined {
    const queue = this.#queues.get(keyOf(deadLetterCategory, consumer));
    const index = queue?.findIndex(accept) ?? -1;
    if (queue === undefined || index === -1) return undefined;
    return queue.splice(index, 1)[0];
  }

  /** How many items wait for the consumer. */
  count(
    deadLetterCategory: string,
    consumer: string,
    accept: (item: RedriveItem) => boolean,
  ): number {
    return (this.#queues.get(keyOf(deadLetterCategory, consumer)) ?? []).filter(accept).length;
  }

  /** Calls `wake` after every push for the consumer. Returns the unsubscribe function. */
  watch(deadLetterCategory: string, consumer: string, wake: () => void): () => void {
    const key = keyOf(deadLetterCategory, consumer);
    let watchers = this.#watchers.get(key);
    if (watchers === undefined) {
      watchers = new Set();
      this.#watchers.set(key, watchers);
    }
    watchers.add(wake);
    return () => {
      watchers.delete(wake);
    };
  }
}
