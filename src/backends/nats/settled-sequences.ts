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
  readonly #sequences = new Set<number>();
  /**
   * The same sequences in the order they came, as a ring: the slot to write next holds the
   * oldest. Finding the oldest through the set's iterator was the obvious way, but after many
   * deletions from its front V8 walks the deleted entries each time (microseconds per ack).
   * 0 marks an empty slot: stream sequences start at 1.
   */
  readonly #order: number[];
  #next = 0;

  constructor(batchSize: number) {
    const size = Math.max(MIN_REMEMBERED, BATCHES_REMEMBERED * batchSize);
    this.#order = new Array<number>(size).fill(0);
  }

  add(sequence: number): void {
    if (this.#sequences.has(sequence)) return;
    const oldest = this.#order[this.#next] ?? 0;
    if (oldest !== 0) this.#sequences.delete(oldest);
    this.#order[this.#next] = sequence;
    this.#next = (this.#next + 1) % this.#order.length;
    this.#sequences.add(sequence);
  }

  has(sequence: number): boolean {
    return this.#sequences.has(sequence);
  }
}
