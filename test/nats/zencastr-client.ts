/**
 * A stand-in for Zencastr's Python message store (zencastr/message-store 0.3.0 on nats-py
 * 2.x), for tests on a machine without Python. Each operation sends what the Python client
 * sends, with plain nats.js calls: the same JetStream API requests and JSON, the same bodies
 * (Python's `json.dumps`), core publishes and subscriptions where it uses them. Only timing
 * differs: the pull wait is shorter than Python's 5 s, so a test's `stop()` is quick.
 *
 * Read beside the Python source: `message_store.py` (ensure_stream, publish_message,
 * wait_for), `projections/fetch.py` (fetch), `subscriptions/subscription.py`.
 */
import {
  createInbox,
  type Msg,
  type NatsConnection,
  NoRespondersError,
  headers as newHeaders,
} from "@nats-io/transport-node";

const NANOS_PER_MS = 1_000_000;
const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A message as Zencastr's `Message`: `type`, `data`, optional `metadata`. */
export interface ZencastrMessage {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Record<string, unknown> | undefined;
}

/** What Zencastr's handlers and projections receive (`MessageFromSubscription`). */
export interface ZencastrDelivered extends ZencastrMessage {
  /** Without the prefix, as `MessageFromSubscription.subject`. */
  readonly subject: string;
  readonly seq: number;
}

/** A JetStream API error as nats-py raises it: HTTP-like `code` and JetStream `err_code`. */
export class ZencastrApiError extends Error {
  readonly code: number;
  readonly errCode: number;

  constructor(code: number, errCode: number, description: string) {
    super(`${description} (code ${code}, err_code ${errCode})`);
    this.code = code;
    this.errCode = errCode;
  }
}

/**
 * Python's `json.dumps` with its defaults: `", "` and `": "` separators, non-ASCII escaped.
 * Whole numbers only: Python would print a float's `.0`.
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(
      ([key, item]) => `${pythonJson(key)}: ${pythonJson(item)}`,
    );
    return `{${entries.join(", ")}}`;
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  return JSON.stringify(value);
}

/** `Message.to_dict()`: `type`, `data`, then `metadata` when there is one. */
function bodyOf(message: ZencastrMessage): Uint8Array {
  const dict: Record<string, unknown> = { type: message.type, data: message.data };
  if (message.metadata !== undefined) dict.metadata = message.metadata;
  return utf8.encode(pythonJson(dict));
}

/** `Message.create_from_dict`: a KeyError (here a throw) without `type` or `data`. */
function messageOf(data: Uint8Array): ZencastrMessage {
  const dict = JSON.parse(text.decode(data)) as Record<string, unknown>;
  if (!("type" in dict) || !("data" in dict)) throw new Error("KeyError: type or data");
  return {
    type: String(dict.type),
    data: dict.data,
    metadata: dict.metadata as Record<string, unknown> | undefined,
  };
}

/** `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>…`, with or without a domain. */
function ackInfo(reply: string): { delivered: number; streamSequence: number } {
  const tokens = reply.split(".");
  const offset = tokens.length === 9 ? 4 : 6;
  return { delivered: Number(tokens[offset]), streamSequence: Number(tokens[offset + 1]) };
}

export interface PublishResult {
  readonly stream: string;
  readonly seq: number;
  /** How many times the publish was sent: `publish_message` retries 503s and no responders. */
  readonly attempts: number;
}

export interface SubscriptionOptions {
  readonly maxNumberOfRetries?: number;
  /** Without the prefix, as `create_subscription(dead_letter_subject=…)`. */
  readonly deadLetterSubject?: string;
  /** Python waits 5 s per pull; tests wait less so `stop()` returns quickly. */
  readonly pullWaitMs?: number;
}

export interface ZencastrSubscription {
  start(): void;
  stop(): Promise<void>;
}

export class ZencastrClient {
  readonly #connection: NatsConnection;
  readonly #subjectPrefix: string;
  readonly #streamPrefix: string;

  /** `MessageStore(nats_connection, prefix)`. */
  constructor(connection: NatsConnection, prefix: string) {
    this.#connection = connection;
    this.#subjectPrefix = prefix === "" ? "" : `${prefix}.`;
    this.#streamPrefix = prefix === "" ? "" : `${prefix}-`;
  }

  async #api(subject: string, request: unknown): Promise<Record<string, unknown>> {
    const reply = await this.#connection.request(
      `$JS.API.${subject}`,
      utf8.encode(JSON.stringify(request)),
      { timeout: 5000 },
    );
    const answer = JSON.parse(text.decode(reply.data)) as Record<string, unknown>;
    const error = answer.error as
      | { code: number; err_code: number; description: string }
      | undefined;
    if (error !== undefined)
      throw new ZencastrApiError(error.code, error.err_code, error.description);
    return answer;
  }

  /** `find_stream_name_by_subject`. */
  async #streamOf(subject: string): Promise<string | undefined> {
    const answer = await this.#api("STREAM.NAMES", { subject });
    const streams = answer.streams as string[] | null;
    return streams?.[0];
  }

  /**
   * `ensure_stream(category)` with `should_create_missing_streams=True`: nats-py's
   * `add_stream` sends its dataclass defaults beside the two sizes, and the server fills in
   * the rest (file storage, limits retention). No `allow_direct`, no `allow_atomic`.
   */
  async ensureStream(category: string): Promise<string> {
    const subject = `${this.#subjectPrefix}${category}.>`;
    const existing = await this.#streamOf(subject);
    if (existing !== undefined) return existing;
    const name = `${this.#streamPrefix}${category}`;
    await this.#api(`STREAM.CREATE.${name}`, {
      name,
      subjects: [subject],
      max_bytes: 2 ** 30,
      discard: "old",
      discard_new_per_subject: false,
      max_msgs_per_subject: -1,
      max_msg_size: 2 ** 22,
      no_ack: false,
      duplicate_window: 0,
      sealed: false,
      deny_delete: false,
      deny_purge: false,
      allow_rollup_hdrs: false,
    });
    return name;
  }

  /**
   * `publish_message(subject, message, msg_id)`: a JetStream publish, retried up to three
   * attempts (0.25 s, then 0.5 s apart) when nobody answers or the error's code is 503,
   * which is how the server reports a per-subject limit (err_code 10077).
   */
  async publishMessage(
    subject: string,
    message: ZencastrMessage,
    msgId?: string,
  ): Promise<PublishResult> {
    const headers = msgId === undefined ? undefined : newHeaders();
    if (msgId !== undefined) headers?.set("Nats-Msg-Id", msgId);
    let backoffMs = 250;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const reply = await this.#connection.request(
          `${this.#subjectPrefix}${subject}`,
          bodyOf(message),
          { timeout: 5000, ...(headers === undefined ? {} : { headers }) },
        );
        const ack = JSON.parse(text.decode(reply.data)) as Record<string, unknown>;
        const error = ack.error as
          | { code: number; err_code: number; description: string }
          | undefined;
        if (error !== undefined)
          throw new ZencastrApiError(error.code, error.err_code, error.description);
        return { stream: String(ack.stream), seq: Number(ack.seq), attempts: attempt };
      } catch (error) {
        const retriable =
          error instanceof NoRespondersError ||
          (error instanceof ZencastrApiError && error.code === 503) ||
          (error instanceof Error && error.cause instanceof NoRespondersError);
        if (!retriable || attempt >= 3) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs *= 2;
      }
    }
  }

  /**
   * `fetch(subject, projection)`: an ordered push consumer on the subject; it reads as many
   * messages as the consumer info counted (`num_pending + delivered.consumer_seq`).
   */
  async fetch<State>(
    subject: string,
    init: State,
    project: (state: State, message: ZencastrDelivered) => State,
  ): Promise<State> {
    const filter = `${this.#subjectPrefix}${subject}`;
    const stream = await this.#streamOf(filter);
    if (stream === undefined) throw new ZencastrApiError(404, 10059, "stream not found");
    const deliver = createInbox();
    const inbox = this.#connection.subscribe(deliver);
    const created = await this.#api(`CONSUMER.CREATE.${stream}`, {
      stream_name: stream,
      config: {
        deliver_policy: "all",
        ack_policy: "none",
        ack_wait: 22 * 3600 * 1000 * NANOS_PER_MS,
        max_deliver: 1,
        filter_subject: filter,
        replay_policy: "instant",
        flow_control: true,
        idle_heartbeat: 5000 * NANOS_PER_MS,
        deliver_subject: deliver,
        num_replicas: 1,
        mem_storage: true,
      },
    });
    const consumer = String(created.name);
    let state = init;
    try {
      const info = await this.#api(`CONSUMER.INFO.${stream}.${consumer}`, {});
      const delivered = (info.delivered as { consumer_seq?: number } | undefined)?.consumer_seq;
      const total = Number(info.num_pending ?? 0) + (delivered ?? 0);
      if (total === 0) return state;
      let processed = 0;
      for await (const msg of inbox) {
        if (isStatus(msg)) {
          // Flow control asks for an answer; heartbeats do not.
          if (msg.reply) msg.respond();
          continue;
        }
        state = project(state, this.#delivered(msg));
        processed += 1;
        if (processed === total) break;
      }
      return state;
    } finally {
      inbox.unsubscribe();
      await this.#api(`CONSUMER.DELETE.${stream}.${consumer}`, {}).catch(() => undefined);
    }
  }

  #delivered(msg: Msg): ZencastrDelivered {
    return {
      ...messageOf(msg.data),
      subject: msg.subject.slice(this.#subjectPrefix.length),
      seq: ackInfo(msg.reply ?? "").streamSequence,
    };
  }

  /**
   * `wait_for(subject, predicate, timeout)`: a core NATS subscription, so it sees every
   * publish on the subject, including those the stream then refused.
   */
  async waitFor(
    subject: string,
    predicate: (message: ZencastrMessage) => boolean,
    timeoutMs: number,
  ): Promise<ZencastrMessage> {
    const subscription = this.#connection.subscribe(`${this.#subjectPrefix}${subject}`);
    const timer = setTimeout(() => subscription.unsubscribe(), timeoutMs);
    try {
      for await (const msg of subscription) {
        const message = messageOf(msg.data);
        if (predicate(message)) return message;
      }
      throw new Error(`Timed out waiting for a message on subject ${subject}`);
    } finally {
      clearTimeout(timer);
      subscription.unsubscribe();
    }
  }

  /** Lets a test know the server has every subscription made so far (a `wait_for` before a write). */
  flush(): Promise<void> {
    return this.#connection.flush();
  }

  /**
   * `create_subscription(subject, consumer_name, handlers, max_number_of_retries,
   * dead_letter_subject)`: a durable pull consumer (made with nats-py's defaults when
   * missing), one message per pull. A handler that throws naks the message (redelivered at
   * once); past `max_number_of_retries` deliveries the message is terminated and, with a
   * dead-letter subject, its body alone is published to `{dlq}.{original subject}`.
   */
  createSubscription(
    subject: string,
    consumerName: string,
    handlers: Record<string, (message: ZencastrDelivered) => void | Promise<void>>,
    options: SubscriptionOptions = {},
  ): ZencastrSubscription {
    const maxRetries = options.maxNumberOfRetries ?? 3;
    const pullWaitMs = options.pullWaitMs ?? 500;
    const deadLetter =
      options.deadLetterSubject === undefined
        ? undefined
        : `${this.#subjectPrefix}${options.deadLetterSubject}`;
    let active = false;
    let running: Promise<void> | undefined;
    const loop = async (): Promise<void> => {
      const filter = `${this.#subjectPrefix}${subject}`;
      const stream = await this.#streamOf(filter);
      if (stream === undefined) throw new ZencastrApiError(404, 10059, "stream not found");
      await this.#ensureDurable(stream, consumerName, filter);
      const inbox = createInbox();
      const replies = this.#connection.subscribe(inbox);
      const answers = replies[Symbol.asyncIterator]();
      try {
        while (active) {
          const msg = await this.#pullOne(answers, inbox, stream, consumerName, pullWaitMs);
          if (msg === undefined) continue;
          await this.#handle(msg, handlers, maxRetries, deadLetter);
        }
      } finally {
        replies.unsubscribe();
      }
    };
    return {
      start: () => {
        active = true;
        running = loop();
      },
      stop: async () => {
        active = false;
        await running;
      },
    };
  }

  async #ensureDurable(stream: string, durable: string, filter: string): Promise<void> {
    try {
      await this.#api(`CONSUMER.INFO.${stream}.${durable}`, {});
      return;
    } catch (error) {
      if (!(error instanceof ZencastrApiError) || error.code !== 404) throw error;
    }
    await this.#api(`CONSUMER.CREATE.${stream}.${durable}.${filter}`, {
      stream_name: stream,
      config: {
        name: durable,
        durable_name: durable,
        deliver_policy: "all",
        ack_policy: "explicit",
        filter_subject: filter,
        replay_policy: "instant",
      },
    });
  }

  /**
   * `fetch(batch=1, timeout)`: one pull request, answered by one message or by a status
   * (408 when it expires): `undefined` then.
   */
  async #pullOne(
    answers: AsyncIterator<Msg>,
    inbox: string,
    stream: string,
    durable: string,
    waitMs: number,
  ): Promise<Msg | undefined> {
    this.#connection.publish(
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
      utf8.encode(JSON.stringify({ batch: 1, expires: waitMs * NANOS_PER_MS })),
      { reply: inbox },
    );
    const next = await answers.next();
    if (next.done || isStatus(next.value)) return undefined;
    return next.value;
  }

  async #handle(
    msg: Msg,
    handlers: Record<string, (message: ZencastrDelivered) => void | Promise<void>>,
    maxRetries: number,
    deadLetter: string | undefined,
  ): Promise<void> {
    const { delivered } = ackInfo(msg.reply ?? "");
    if (delivered > maxRetries) {
      await this.#terminate(msg, deadLetter);
      return;
    }
    try {
      const message = this.#delivered(msg);
      await handlers[message.type]?.(message);
      msg.respond(utf8.encode("+ACK"));
    } catch {
      msg.respond(utf8.encode("-NAK"));
    }
  }

  async #terminate(msg: Msg, deadLetter: string | undefined): Promise<void> {
    msg.respond(utf8.encode("+TERM"));
    if (deadLetter === undefined) return;
    const local = msg.subject.slice(this.#subjectPrefix.length);
    // `self._jetstream_client.publish(subject, message.data)`: the body, no headers.
    await this.#connection.request(`${deadLetter}.${local}`, msg.data, { timeout: 5000 });
  }
}

/** A JetStream status message (flow control, heartbeat, pull end): headers with a code, no body. */
function isStatus(msg: Msg): boolean {
  return msg.data.length === 0 && msg.headers !== undefined && msg.headers.code > 0;
}
