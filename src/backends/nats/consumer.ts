/**
 * A subscription's message source on NATS: a durable pull consumer named after the
 * subscription, shared by every process that opens the same name. nats.js `consume()` already
 * re-pulls after reconnects and watches heartbeats; this source adds what it cannot do:
 * recreating a consumer that disappeared and reopening a consume that ended, so a
 * subscription outlives server restarts. Retry decisions are not made here (`max_deliver` is
 * unlimited); the subscription counts attempts and terminates.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { ConsumerSource, ConsumerSpec, Delivery } from "../../backend.ts";
import { isMalformedMessageError, StreamNotFoundError } from "../../errors.ts";
import type { RecordedMessage } from "../../message.ts";
import { backoffDelay, pause } from "../../subscribe/pause.ts";
import type { NatsContext } from "./context.ts";

/** First pause before reopening a consume that failed; doubles per failure in a row. */
export const CONSUMER_REOPEN_DELAY_MS = 250;
/** Longest pause between reopen attempts. */
export const MAX_CONSUMER_REOPEN_DELAY_MS = 5000;

/** The durable consumer's configuration: explicit acks, from the start, no server-side delivery limit. */
export function durableConsumerConfig(
  spec: ConsumerSpec,
  filters: readonly string[],
): Partial<ConsumerConfig> {
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(spec.ackWaitMs),
    // The subscription decides when a message has had enough attempts.
    max_deliver: -1,
  };
  if (filters.length === 1) config.filter_subject = filters[0] as string;
  else config.filter_subjects = [...filters];
  return config;
}

/** Opens (or joins) the durable consumer `spec.consumer` on the target's category. */
export function openNatsConsumer(context: NatsContext, spec: ConsumerSpec): ConsumerSource {
  return new NatsConsumerSource(context, spec);
}

class NatsConsumerSource implements ConsumerSource {
  readonly #context: NatsContext;
  readonly #spec: ConsumerSpec;
  readonly #closed = new AbortController();
  #messages: ConsumerMessages | undefined;

  constructor(context: NatsContext, spec: ConsumerSpec) {
    this.#context = context;
    this.#spec = spec;
  }

  async close(): Promise<void> {
    this.#closed.abort();
    await this.#stopConsume();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Delivery> {
    const closed = this.#closed.signal;
    let failures = 0;
    while (!closed.aborted) {
      try {
        // Setting up waits for a reconnect while the server is away; a close must not wait too.
        const storage = await untilAborted(this.#ensureConsumer(), closed);
        if (storage === undefined) break;
        for await (const msg of await this.#consume(storage)) {
          failures = 0;
          yield this.#delivery(storage, msg);
          if (closed.aborted) break;
        }
        if (!closed.aborted) this.#log("warn", undefined, "consume ended; reopening it");
      } catch (error) {
        if (closed.aborted) break;
        this.#log("error", error, "consume failed; reopening it");
      } finally {
        await this.#stopConsume();
      }
      failures += 1;
      await pause(
        backoffDelay(failures, CONSUMER_REOPEN_DELAY_MS, MAX_CONSUMER_REOPEN_DELAY_MS),
        closed,
      );
    }
  }

  /**
   * Creates the durable consumer, or updates it to this spec. The server treats a create with
   * an identical configuration as a no-op, so processes starting together all succeed; when an
   * existing consumer cannot take this configuration, it is used as it is.
   */
  async #ensureConsumer(): Promise<string> {
    const { manager, subjects } = this.#context;
    const { target, consumer } = this.#spec;
    const storage = await this.#context.storageFor(target.category, true);
    // `create` makes storageFor throw rather than return nothing; this only narrows the type.
    if (storage === undefined) throw new StreamNotFoundError(subjects.storageName(target.category));
    const config = durableConsumerConfig(this.#spec, subjects.targetFilters(target));
    try {
      await manager.consumers.add(storage, config);
    } catch (error) {
      const existing = await manager.consumers.info(storage, consumer).catch(() => undefined);
      if (existing === undefined) throw error;
      this.#log("warn", error, "the existing consumer kept its configuration");
    }
    return storage;
  }

  async #consume(storage: string): Promise<ConsumerMessages> {
    const consumer = await this.#context.jetstream.consumers.get(storage, this.#spec.consumer);
    const messages = await consumer.consume({ max_messages: this.#spec.batchSize });
    this.#messages = messages;
    // A close that raced the set-up above must still stop this consume.
    if (this.#closed.signal.aborted) await this.#stopConsume();
    else void this.#watch(messages);
    return messages;
  }

  /** Logs the consume's status and ends it when its consumer is gone, so it is recreated. */
  async #watch(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const status of messages.status()) {
        switch (status.type) {
          case "consumer_deleted":
          case "consumer_not_found":
          case "stream_not_found":
            this.#log("warn", undefined, `consumer status ${status.type}; recreating it`);
            await messages.close();
            return;
          case "heartbeats_missed":
          case "no_responders":
          case "exceeded_limits":
            this.#log("warn", undefined, `consumer status ${status.type}`);
            break;
          default:
            break;
        }
      }
    } catch (error) {
      this.#log("warn", error, "watching the consumer status failed");
    }
  }

  async #stopConsume(): Promise<void> {
    const messages = this.#messages;
    this.#messages = undefined;
    if (messages === undefined) return;
    try {
      await messages.close();
    } catch (error) {
      this.#log("debug", error, "closing the consume failed");
    }
  }

  #delivery(storage: string, msg: JsMsg): Delivery {
    const category = this.#spec.target.category;
    let message: RecordedMessage | undefined;
    let error: Error | undefined;
    try {
      message = this.#context.decode(category, {
        storage,
        subject: msg.subject,
        sequence: msg.seq,
        data: msg.data,
        time: msg.time,
        headers: msg.headers,
      });
    } catch (decodeError) {
      if (!isMalformedMessageError(decodeError)) throw decodeError;
      error = decodeError;
    }
    return {
      message,
      error,
      raw: { storage, sequence: msg.seq, body: msg.data, subject: msg.subject },
      deliveryCount: msg.info.deliveryCount,
      ack: async () => {
        await msg.ackAck();
      },
      nak: (delayMs) => msg.nak(delayMs),
      term: () => msg.term(),
      inProgress: () => msg.working(),
    };
  }

  #log(level: "debug" | "warn" | "error", error: unknown, text: string): void {
    const { consumer, target } = this.#spec;
    const fields =
      error === undefined
        ? { consumer, target: target.name }
        : { consumer, target: target.name, err: error };
    this.#context.options.logger[level](fields, text);
  }
}

/** `work`'s result, or `undefined` as soon as `signal` aborts (a late failure is dropped). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const abort = (): void => resolve(undefined);
    signal.addEventListener("abort", abort, { once: true });
    void work
      .then(resolve, (error: unknown) => {
        if (signal.aborted) resolve(undefined);
        else reject(error);
      })
      .finally(() => signal.removeEventListener("abort", abort));
  });
}
