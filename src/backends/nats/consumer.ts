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
import type {
  BackendStatus,
  ConsumerSource,
  ConsumerSpec,
  Delivery,
  StartAt,
} from "../../backend.ts";
import { isMalformedMessageError, StreamNotFoundError } from "../../errors.ts";
import type { RecordedMessage } from "../../message.ts";
import { backoffDelay, pause } from "../../subscribe/pause.ts";
import { AckBatch } from "./ack-batch.ts";
import { NatsSourceStatus } from "./consumer-status.ts";
import type { NatsContext } from "./context.ts";
import { storedFromDelivery } from "./direct-get.ts";
import { headersRecord } from "./message-headers.ts";

/** First pause before reopening a consume that failed; doubles per failure in a row. */
export const CONSUMER_REOPEN_DELAY_MS = 250;
/** Longest pause between reopen attempts. */
export const MAX_CONSUMER_REOPEN_DELAY_MS = 5000;

type StartFields = Pick<ConsumerConfig, "deliver_policy" | "opt_start_seq" | "opt_start_time">;

/** The deliver policy fields of a start position. */
export function startFields(startAt: StartAt | undefined): Partial<StartFields> {
  if (startAt === undefined || startAt === "beginning")
    return { deliver_policy: DeliverPolicy.All };
  if (startAt === "end") return { deliver_policy: DeliverPolicy.New };
  if ("globalPosition" in startAt) {
    return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startAt.globalPosition };
  }
  return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: startAt.time.toISOString() };
}

/**
 * The durable consumer's configuration: explicit acks, starting at `spec.startAt`, no
 * server-side delivery limit. An `existing` consumer's start is kept: the server refuses to
 * change it, and the position it has reached is what counts anyway.
 */
export function durableConsumerConfig(
  spec: ConsumerSpec,
  filters: readonly string[],
  existing?: Partial<StartFields>,
): Partial<ConsumerConfig> {
  const start =
    existing?.deliver_policy === undefined
      ? startFields(spec.startAt)
      : {
          deliver_policy: existing.deliver_policy,
          ...(existing.opt_start_seq === undefined
            ? {}
            : { opt_start_seq: existing.opt_start_seq }),
          ...(existing.opt_start_time === undefined
            ? {}
            : { opt_start_time: existing.opt_start_time }),
        };
  const config: Partial<ConsumerConfig> = {
    durable_name: spec.consumer,
    ack_policy: AckPolicy.Explicit,
    ...start,
    ack_wait: nanos(spec.ackWaitMs),
    // The subscription decides when a message has had enough attempts.
    max_deliver: -1,
  };
  if (filters.length === 1) config.filter_subject = filters[0] as string;
  else config.filter_subjects = [...filters];
  return config;
}

/**
 * Which durable a source reads and how its messages reach the subscription. The default is
 * `spec.consumer` on the target's category; a re-drive source (redrive.ts) reads its own
 * durable in the dead-letter category and makes each message look like the original.
 */
export interface DurablePlace {
  /** The category whose storage holds the durable; its messages are decoded as this category's. */
  readonly category: string;
  readonly name: string;
  readonly filters: readonly string[];
  /** The JetStream stream of `category`, created when needed. */
  storage(): Promise<string>;
  /** What the subscription receives for a delivery of this durable. */
  adapt(delivery: Delivery, storage: string): Delivery;
}

function targetPlace(context: NatsContext, spec: ConsumerSpec): DurablePlace {
  const { target } = spec;
  return {
    category: target.category,
    name: spec.consumer,
    filters: context.subjects.targetFilters(target),
    async storage() {
      const storage = await context.storageFor(target.category, true);
      // `create` makes storageFor throw rather than return nothing; this only narrows the type.
      if (storage === undefined)
        throw new StreamNotFoundError(context.subjects.storageName(target.category));
      return storage;
    },
    adapt: (delivery) => delivery,
  };
}

/** Opens (or joins) the durable consumer `spec.consumer` on the target's category, or the durable `place` names. */
export function openNatsConsumer(
  context: NatsContext,
  spec: ConsumerSpec,
  place: DurablePlace = targetPlace(context, spec),
): ConsumerSource {
  return new NatsConsumerSource(context, spec, place);
}

class NatsConsumerSource implements ConsumerSource {
  readonly #context: NatsContext;
  readonly #spec: ConsumerSpec;
  readonly #place: DurablePlace;
  readonly #closed = new AbortController();
  #messages: ConsumerMessages | undefined;
  readonly #status: NatsSourceStatus;
  readonly #acks: AckBatch;

  constructor(context: NatsContext, spec: ConsumerSpec, place: DurablePlace) {
    this.#context = context;
    this.#spec = spec;
    this.#place = place;
    this.#status = new NatsSourceStatus(context, this.#closed.signal);
    this.#acks = new AckBatch(context.requester, context.options.timeoutMs, (error) =>
      this.#log("warn", error, "an ack was not confirmed; its messages may be redelivered"),
    );
  }

  status(): AsyncIterable<BackendStatus> {
    return this.#status.iterate();
  }

  async close(): Promise<void> {
    this.#closed.abort();
    await this.#acks.flush();
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
        // Opening a consume can wait on the server too; a consume that opens after a close
        // stops itself (see #consume).
        const messages = await untilAborted(this.#consume(storage), closed);
        if (messages === undefined) break;
        for await (const msg of messages) {
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
    const { manager } = this.#context;
    const { name, filters } = this.#place;
    const storage = await this.#place.storage();
    const found = await manager.consumers.info(storage, name).catch(() => undefined);
    const config = durableConsumerConfig({ ...this.#spec, consumer: name }, filters, found?.config);
    try {
      await manager.consumers.add(storage, config);
    } catch (error) {
      const existing = await manager.consumers.info(storage, name).catch(() => undefined);
      if (existing === undefined) throw error;
      this.#log("warn", error, "the existing consumer kept its configuration");
    }
    return storage;
  }

  async #consume(storage: string): Promise<ConsumerMessages> {
    const consumer = await this.#context.jetstream.consumers.get(storage, this.#place.name);
    const messages = await consumer.consume({ max_messages: this.#spec.batchSize });
    this.#messages = messages;
    // A close that raced the set-up above must still stop this consume.
    if (this.#closed.signal.aborted) await this.#stopConsume();
    else {
      void this.#watch(messages);
      this.#status.report({ type: "connected", detail: this.#place.name });
    }
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
            this.#status.report({ type: "heartbeats-missed", detail: String(status.count) });
            this.#log("warn", undefined, `consumer status ${status.type}`);
            break;
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
    const category = this.#place.category;
    let message: RecordedMessage | undefined;
    let error: Error | undefined;
    try {
      message = this.#context.decode(category, storedFromDelivery(storage, msg));
    } catch (decodeError) {
      if (!isMalformedMessageError(decodeError)) throw decodeError;
      error = decodeError;
    }
    return this.#place.adapt(
      {
        message,
        error,
        raw: {
          storage,
          sequence: msg.seq,
          body: msg.data,
          subject: msg.subject,
          headers: headersRecord(msg.headers),
        },
        deliveryCount: msg.info.deliveryCount,
        // A plain ack, not a confirmed one: waiting for the server's confirmation of every
        // ack capped a subscription at one message per round trip. An ack lost in transit
        // means a redelivery, which at-least-once delivery allows. Acks leave in batches
        // (ack-batch.ts); once the source is closing, each is sent at once and confirmed, so
        // `stop()` returns only after the server recorded the ack of the message in flight.
        ack: async () => {
          this.#acks.add(msg);
          if (this.#closed.signal.aborted) await this.#acks.flush();
        },
        nak: (delayMs) => msg.nak(delayMs),
        term: () => msg.term(),
        inProgress: () => msg.working(),
      },
      storage,
    );
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
