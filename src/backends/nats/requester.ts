/**
 * Request and reply for the hot paths (publishes, ack confirmations, entity reads), over one
 * wildcard inbox subscription, as nats.js does it, but without its per-request cost: nats.js
 * builds an `Error` (stack trace included) to cancel every request that already succeeded,
 * about 13 µs of client CPU per publish on this kind of machine, the largest single cost of a
 * write (bench W2). Here a request is a map entry, a timer and a publish. A request may take
 * several replies (a batched direct get), each restarting the wait for the next.
 *
 * The behaviour callers see is nats.js's: the answer as a `Msg`; nats.js `TimeoutError` when
 * no answer came in time (also while the connection is down: a request is never re-sent by
 * the connection); `NoRespondersError` when the server says nobody listens on the subject.
 */
import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  NoRespondersError,
  RequestError,
  type Subscription,
  TimeoutError,
} from "@nats-io/transport-node";

interface Pending {
  readonly subject: string;
  /** Takes one reply; `true` when it was the last one expected. May throw to fail the request. */
  readonly onReply: (reply: Msg) => boolean;
  readonly reject: (error: Error) => void;
  readonly timeoutMs: number;
  timer: ReturnType<typeof setTimeout>;
  /** When the last reply came (epoch ms): the timer checks it rather than being remade per reply. */
  lastReplyAt: number;
}

const NO_RESPONDERS = 503;

export class Requester {
  readonly #connection: NatsConnection;
  readonly #inbox = `${createInbox()}.`;
  readonly #pending = new Map<string, Pending>();
  #subscription: Subscription | undefined;
  #next = 0;

  constructor(connection: NatsConnection) {
    this.#connection = connection;
  }

  /** Publishes `body` to `subject` and resolves with the first reply. */
  request(
    subject: string,
    body: Uint8Array,
    timeoutMs: number,
    headers?: MsgHdrs | undefined,
  ): Promise<Msg> {
    let answer: Msg | undefined;
    return this.requestReplies(
      subject,
      body,
      timeoutMs,
      (reply) => {
        answer = reply;
        return true;
      },
      headers,
    ).then(() => answer as Msg);
  }

  /**
   * Publishes `body` to `subject` and hands every reply to `onReply` until it returns `true`
   * (a JetStream direct get in batch answers with several messages and an end marker).
   * `timeoutMs` is the longest wait for the next reply. A throw from `onReply` fails the request.
   */
  requestReplies(
    subject: string,
    body: Uint8Array,
    timeoutMs: number,
    onReply: (reply: Msg) => boolean,
    headers?: MsgHdrs | undefined,
  ): Promise<void> {
    this.#subscription ??= this.#subscribe();
    const token = (this.#next++).toString(36);
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = {
        subject,
        onReply: (reply) => {
          const done = onReply(reply);
          if (done) resolve();
          return done;
        },
        reject,
        timeoutMs,
        timer: this.#timeout(token, timeoutMs),
        lastReplyAt: Date.now(),
      };
      this.#pending.set(token, pending);
      try {
        this.#connection.publish(subject, body, {
          reply: this.#inbox + token,
          ...(headers === undefined ? {} : { headers }),
        });
      } catch (error) {
        this.#settle(token)?.reject(error as Error);
      }
    });
  }

  /** Publishes without asking for a reply (the leading messages of an atomic batch). */
  publish(subject: string, body: Uint8Array, headers: MsgHdrs): void {
    this.#connection.publish(subject, body, { headers });
  }

  #subscribe(): Subscription {
    const subscription = this.#connection.subscribe(`${this.#inbox}*`, {
      callback: (error, reply) => {
        if (error !== null) {
          this.#failAll(error);
          return;
        }
        this.#answer(reply.subject.slice(this.#inbox.length), reply);
      },
    });
    // The connection closed: nothing will answer, and a timer must not keep the process up.
    void subscription.closed.then((error) =>
      this.#failAll(error instanceof Error ? error : new Error("connection closed")),
    );
    return subscription;
  }

  #answer(token: string, reply: Msg): void {
    const pending = this.#pending.get(token);
    if (pending === undefined) return;
    if (reply.data.length === 0 && reply.headers?.code === NO_RESPONDERS) {
      this.#settle(token);
      pending.reject(new NoRespondersError(pending.subject));
      return;
    }
    let done: boolean;
    try {
      done = pending.onReply(reply);
    } catch (error) {
      this.#settle(token);
      pending.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (done) this.#settle(token);
    else pending.lastReplyAt = Date.now();
  }

  /**
   * Fails the request once its `timeoutMs` has passed since its last reply (or since it was
   * sent); `delayMs` is when to look next.
   */
  #timeout(token: string, delayMs: number): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      const pending = this.#pending.get(token);
      if (pending === undefined) return;
      const leftMs = pending.timeoutMs - (Date.now() - pending.lastReplyAt);
      if (leftMs > 0) pending.timer = this.#timeout(token, leftMs);
      else this.#settle(token)?.reject(new TimeoutError());
    }, delayMs);
  }

  /** Takes the request `token` out of the pending ones and stops its timer. */
  #settle(token: string): Pending | undefined {
    const pending = this.#pending.get(token);
    if (pending === undefined) return undefined;
    this.#pending.delete(token);
    clearTimeout(pending.timer);
    return pending;
  }

  #failAll(cause: Error): void {
    for (const token of [...this.#pending.keys()]) {
      this.#settle(token)?.reject(new RequestError(cause.message, { cause }));
    }
  }
}
