/**
 * One member of a durable consumer: what `consume()` returns. It holds no messages of its
 * own; each `next()` is a pull request queued at the consumer, answered when a message is
 * available and this member has fewer than `batchSize` deliveries outstanding.
 */
import type { ConsumerSource, Delivery } from "../../backend.ts";

type Answer = (result: IteratorResult<Delivery, undefined>) => void;

/** The consumer side of a member: where its pull requests go. */
export interface PullQueue {
  request(member: MemoryConsumerSource, answer: Answer): void;
  /** Ends the member's waiting requests. Its unacked deliveries stay with the consumer. */
  leave(member: MemoryConsumerSource): void;
}

const DONE: IteratorResult<Delivery, undefined> = { done: true, value: undefined };

export class MemoryConsumerSource implements ConsumerSource {
  readonly batchSize: number;
  readonly ackWaitMs: number;
  /** Deliveries handed to this member and not yet acked, naked, termed or timed out. */
  outstanding = 0;
  readonly #queue: PullQueue;
  #closed = false;

  constructor(queue: PullQueue, batchSize: number, ackWaitMs: number) {
    this.#queue = queue;
    this.batchSize = Math.max(1, batchSize);
    this.ackWaitMs = ackWaitMs;
  }

  get closed(): boolean {
    return this.#closed;
  }

  next(): Promise<IteratorResult<Delivery, undefined>> {
    if (this.#closed) return Promise.resolve(DONE);
    return new Promise((answer) => this.#queue.request(this, answer));
  }

  /** Unacked deliveries are redelivered once their ack wait runs out, as on JetStream. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#queue.leave(this);
    }
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery, undefined> {
    return {
      next: () => this.next(),
      // Leaving a `for await` early closes the member, so its pull requests do not linger.
      return: async () => {
        await this.close();
        return DONE;
      },
    };
  }
}
