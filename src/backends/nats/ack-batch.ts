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
 *
 * A consumer whose leader changes drops the acks that reached the old leader, and the old
 * leader never confirms: those messages would come back after their ack wait although they
 * were handled, and the consumer's ack floor would stay behind them. So a confirmation is
 * asked for a bounded time, and when none comes the whole batch is sent again (the new leader
 * ignores acks it already has) and confirmed again, until the store's timeout has passed.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { NoRespondersError, TimeoutError } from "@nats-io/transport-node";
import { replySubjectOf } from "./reply-subject.ts";
import type { Requester } from "./requester.ts";

/** The JetStream ack payload. */
const ACK = new TextEncoder().encode("+ACK");
/** How long one confirmation is waited for before the batch is sent again. */
export const ACK_CONFIRM_ATTEMPT_MS = 1000;
/** The pause before sending a batch again after its confirmation found no one to answer it. */
export const ACK_RESEND_PAUSE_MS = 250;

/** Sends one message without waiting for an answer (a NATS publish). */
export type Publish = (subject: string, body: Uint8Array) => void;

export class AckBatch {
  readonly #requester: Requester;
  readonly #publish: Publish;
  readonly #timeoutMs: number;
  readonly #onError: (error: unknown) => void;
  #pending: JsMsg[] = [];
  #scheduled: ReturnType<typeof setImmediate> | undefined;
  #confirmed: Promise<void> = Promise.resolve();

  /**
   * Confirmations go through `requester` (nats.js `ackAck()` pays for an Error per request),
   * acks sent again through `publish` (nats.js acks a message once only); `onError` hears of
   * a batch still unconfirmed after `timeoutMs` (its acks may be lost; the server redelivers
   * those messages).
   */
  constructor(
    requester: Requester,
    publish: Publish,
    timeoutMs: number,
    onError: (error: unknown) => void,
  ) {
    this.#requester = requester;
    this.#publish = publish;
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
    const batch = this.#pending;
    this.#pending = [];
    const last = batch.at(-1);
    if (last === undefined) return this.#confirmed;
    try {
      for (const msg of batch) if (msg !== last) msg.ack();
    } catch (error) {
      // The connection is closed or draining: the rest would fail alike, and this runs in a
      // timer callback, where a throw would take the process down.
      this.#onError(error);
      return this.#confirmed;
    }
    const confirmed = this.#confirm(batch, last).catch((error: unknown) => this.#onError(error));
    // An earlier batch may still be retrying: flushing waits for every batch before it too.
    this.#confirmed = Promise.all([this.#confirmed, confirmed]).then(() => {});
    return this.#confirmed;
  }

  /**
   * Acks `last` and waits for the server to say it recorded it, and so the whole `batch`
   * sent before it; without an answer, sends the batch again and asks again.
   */
  async #confirm(batch: readonly JsMsg[], last: JsMsg): Promise<void> {
    const reply = replySubjectOf(last);
    if (reply === undefined) {
      await last.ackAck({ timeout: this.#timeoutMs });
      return;
    }
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const attemptMs = Math.max(Math.min(ACK_CONFIRM_ATTEMPT_MS, deadline - Date.now()), 1);
      try {
        await this.#requester.request(reply, ACK, attemptMs);
        return;
      } catch (error) {
        // Anything but silence (a closed connection) would fail alike on every attempt.
        const unanswered = error instanceof TimeoutError || error instanceof NoRespondersError;
        if (!unanswered || Date.now() + ACK_RESEND_PAUSE_MS >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, ACK_RESEND_PAUSE_MS));
      this.#resend(batch, last);
    }
  }

  /** Sends the acks of `batch` before `last` again; `last` goes with the next confirmation. */
  #resend(batch: readonly JsMsg[], last: JsMsg): void {
    for (const msg of batch) {
      const reply = replySubjectOf(msg);
      if (msg !== last && reply !== undefined) this.#publish(reply, ACK);
    }
  }
}
