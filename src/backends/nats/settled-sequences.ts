/**
 * The stream sequences one NATS source settled (acked or terminated) lately, so that a late
 * copy of one is recognised.
 *
 * Why copies come late: nats.js `consume()` keeps up to `max_messages` pulled messages in its
 * own buffer until the subscription reads them, and nothing can mark those in progress. When
 * the handler is slow enough that one waits there longer than the ack wait, the server
 * delivers it again, and the copy lands in the same buffer behind the original. The original
 * is read first and handled; the copy, read after that, is no new attempt. Handing it out
 * would run the handler a second time with an attempt number one higher, and a message copied
 * `maxAttempts` times would be dead-lettered although its handler never failed.
 *
 * A copy is at most about the client's buffer plus what the subscription holds behind its
 * original, so remembering a few batches' worth of sequences is enough. Re-delivery after a
 * crash, a nak or a consumer reset still reaches the handler: a new source remembers nothing.
 */

/** Sequences remembered per message a pull may ask for; the oldest are forgotten first. */
const BATCHES_REMEMBERED = 4;
/** The least a source remembers, however small its pulls. */
const MIN_REMEMBERED = 1024;

export class SettledSequences {
  /** In insertion order, so the first is the oldest. */
  readonly #sequences = new Set<number>();
  readonly #capacity: number;

  constructor(batchSize: number) {
    this.#capacity = Math.max(MIN_REMEMBERED, BATCHES_REMEMBERED * batchSize);
  }

  add(sequence: number): void {
    this.#sequences.add(sequence);
    if (this.#sequences.size <= this.#capacity) return;
    const oldest = this.#sequences.values().next();
    if (oldest.done !== true) this.#sequences.delete(oldest.value);
  }

  has(sequence: number): boolean {
    return this.#sequences.has(sequence);
  }
}
