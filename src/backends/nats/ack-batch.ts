/**
 * Acks sent together. nats.js writes its outbound buffer to the socket one microtask after
 * the first command lands in an empty buffer, so acks made one by one, each after a few
 * awaits, cost one socket write each; on a busy consumer those writes were the largest single
 * cost of a delivery (bench W4). Acks queued here go out in the next turn of the event loop,
 * all of them in one write.
 *
 * Nobody waits for an ack while the consumer runs: one lost in transit means a redelivery,
 * which at-least-once delivery allows. The last ack of each batch asks the server to confirm
 * it, though, and the server records a consumer's acks in the order they arrive, so `flush()`
 * can promise more than "sent": once it resolves, the server has recorded every ack made
 * before it. A consumer that stops awaits that, so a consumer reopened right after sees none
 * of its handled messages as still in flight.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { replySubjectOf } from "./reply-subject.ts";
import type { Requester } from "./requester.ts";

/** The JetStream ack payload. */
const ACK = new TextEncoder().encode("+ACK");

export class AckBatch {
  readonly #requester: Requester;
  readonly #timeoutMs: number;
  readonly #onError: (error: unknown) => void;
  #pending: JsMsg[] = [];
  #scheduled: ReturnType<typeof setImmediate> | undefined;
  #confirmed: Promise<void> = Promise.resolve();

  /**
   * Confirmations go through `requester` (nats.js `ackAck()` pays for an Error per request);
   * `onError` hears of one that failed or timed out (the acks may be lost; the server
   * redelivers those messages).
   */
  constructor(requester: Requester, timeoutMs: number, onError: (error: unknown) => void) {
    this.#requester = requester;
    this.#timeoutMs = timeoutMs;
    this.#onError = onError;
  }

  /** Queues `msg`'s ack for the next turn of the event loop. */
  add(msg: JsMsg): void {
    this.#pending.push(msg);
    this.#scheduled ??= setImmediate(() => void this.flush());
  }

  /** Sends every queued ack now; resolves once the server has recorded them and all before. */
  flush(): Promise<void> {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const pending = this.#pending;
    this.#pending = [];
    const last = pending.pop();
    if (last === undefined) return this.#confirmed;
    try {
      for (const msg of pending) msg.ack();
    } catch (error) {
      // The connection is closed or draining: the rest would fail alike, and this runs in a
      // timer callback, where a throw would take the process down.
      this.#onError(error);
      return this.#confirmed;
    }
    this.#confirmed = this.#confirm(last).then(
      () => {},
      (error: unknown) => this.#onError(error),
    );
    return this.#confirmed;
  }

  /** Acks `msg` and waits for the server to say it recorded the ack. */
  async #confirm(msg: JsMsg): Promise<void> {
    const reply = replySubjectOf(msg);
    if (reply === undefined) await msg.ackAck({ timeout: this.#timeoutMs });
    else await this.#requester.request(reply, ACK, this.#timeoutMs);
  }
}
