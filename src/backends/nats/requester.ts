/**
 * Request and reply for the write path, over one wildcard inbox subscription, as nats.js does
 * it, but without its per-request cost: nats.js builds an `Error` (stack trace included) to
 * cancel every request that already succeeded, about 13 µs of client CPU per publish on this
 * kind of machine, the largest single cost of a write (bench W2). Here a request is a map
 * entry, a timer and a publish.
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
  readonly resolve: (reply: Msg) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
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
    this.#subscription ??= this.#subscribe();
    const token = (this.#next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token);
        reject(new TimeoutError());
      }, timeoutMs);
      this.#pending.set(token, { subject, resolve, reject, timer });
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
        const pending = this.#settle(reply.subject.slice(this.#inbox.length));
        if (pending === undefined) return;
        if (reply.data.length === 0 && reply.headers?.code === NO_RESPONDERS) {
          pending.reject(new NoRespondersError(pending.subject));
        } else {
          pending.resolve(reply);
        }
      },
    });
    // The connection closed: nothing will answer, and a timer must not keep the process up.
    void subscription.closed.then((error) =>
      this.#failAll(error instanceof Error ? error : new Error("connection closed")),
    );
    return subscription;
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
