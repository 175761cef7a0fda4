/**
 * Runs tasks with up to `limit` in flight, but one at a time per key: writes to different
 * streams overlap for speed while each stream still gets its messages in file order (each
 * write expects the version the previous one made). After the first failure no new task
 * starts; the ones in flight finish.
 */
export class KeyedPipeline {
  readonly #limit: number;
  readonly #inFlight = new Set<Promise<void>>();
  /** The last task queued per key; a new task for the key starts after it. */
  readonly #tails = new Map<string, Promise<void>>();
  #failure: { error: unknown } | undefined;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The first task error, once one has failed. */
  get failure(): { error: unknown } | undefined {
    return this.#failure;
  }

  /** Queues `task` behind earlier tasks of `key`; waits while `limit` tasks are in flight. */
  async submit(key: string, task: () => Promise<void>): Promise<void> {
    while (this.#inFlight.size >= this.#limit) await Promise.race(this.#inFlight);
    if (this.#failure !== undefined) return;
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const tracked: Promise<void> = previous
      .then(() => (this.#failure === undefined ? task() : undefined))
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#inFlight.delete(tracked);
        if (this.#tails.get(key) === tracked) this.#tails.delete(key);
      });
    this.#inFlight.add(tracked);
    this.#tails.set(key, tracked);
  }

  /** Resolves when every queued task has settled. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }
}
