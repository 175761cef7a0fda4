/**
 * A subscription's message source on NATS: a durable pull consumer named after the
 * subscription, shared by every process that opens the same name. nats.js `consume()` already
 * re-pulls after reconnects and watches heartbeats. A source is one consume: it ends when its
 * consumer disappears and throws when the consume fails, and the subscription reopens it
 * (subscribe/reopening-source.ts), which creates the consumer again, so a subscription
 * outlives server restarts. Retry decisions are not made here (`max_deliver` is
 * unlimited); the subscription counts attempts and terminates.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos, type Status } from "@nats-io/transport-node";
import type {
  BackendStatus,
  ConsumerSource,
  ConsumerSpec,
  Delivery,
  StartAt,
} from "../../backend.ts";
import { isMalformedMessageError, StreamNotFoundError } from "../../errors.ts";
import type { RecordedMessage } from "../../message.ts";
import { withinMs } from "../../util/within-ms.ts";
import { AckBatch } from "./ack-batch.ts";
import { NatsSourceStatus } from "./consumer-status.ts";
import type { NatsContext } from "./context.ts";
import { isConsumerGone } from "./jetstream-errors.ts";
import { onLeaderElected } from "./leader-elections.ts";
import { headersRecord } from "./message-headers.ts";
import { deliveryFactsOf, replySubjectOf } from "./reply-subject.ts";
import { SettledSequences } from "./settled-sequences.ts";

/**
 * How often the server confirms an idle pull is still alive. When a consumer's leader changes
 * (killed or stepping down) the new leader knows nothing of the pulls made to the old one, so
 * nothing arrives and only missing heartbeats tell. nats.js's default (half the 30 s pull
 * expiry) stalled a subscription 30 s and more; a heartbeat a second costs the server one
 * small message per idle subscription and notices the change within about 2 s.
 */
export const CONSUME_IDLE_HEARTBEAT_MS = 1000;
/** A consume with no message and no heartbeat for this long, while connected, is reopened. */
export const CONSUME_SILENCE_LIMIT_MS: number = 3 * CONSUME_IDLE_HEARTBEAT_MS;
/**
 * How long one set-up attempt waits for the server. While a consumer has no leader (an
 * election after its leader died) nobody answers its requests: an attempt gives up early
 * and the subscription asks again (subscribe/reopening-source.ts).
 */
export const REOPEN_ATTEMPT_TIMEOUT_MS = 1000;
/** nats.js's way to drop what it counts as requested and pull again on the same consume. */
interface PullsAgain {
  resetPendingNoInfo(): Promise<boolean>;
}

function pullsAgain(messages: ConsumerMessages): messages is ConsumerMessages & PullsAgain {
  return typeof (messages as Partial<PullsAgain>).resetPendingNoInfo === "function";
}

type StartFields = Pick<ConsumerConfig, "deliver_policy" | "opt_start_seq" | "opt_start_time">;

/**
 * Consumers whose consume just ended because their leader changed (heartbeats stopped, or
 * nobody answered a pull), by connection and `storage/name`, with the info the consume was
 * opened from. The next open takes it and pulls at once instead of asking the server about
 * the consumer first: while a consumer has no leader nobody answers those questions, so each
 * one cost a whole attempt (1 s) and the pause after it, and the subscription noticed its
 * new leader seconds late. A pull to a leaderless consumer is refused at once ("no
 * responders"), so that consume just ends, is remembered again and opened again after the
 * reopen pause; whether the consumer still exists is asked meanwhile. Any other open (a
 * subscription starting) sets its consumer up in full.
 */
const reopenFrom = new WeakMap<NatsContext, Map<string, ConsumerInfo>>();

function reopenFromOf(nats: NatsContext): Map<string, ConsumerInfo> {
  let known = reopenFrom.get(nats);
  if (known === undefined) {
    known = new Map();
    reopenFrom.set(nats, known);
  }
  return known;
}

/** Whether `existing` already has every setting of `wanted` (so an update would change nothing). */
function hasSettings(existing: ConsumerConfig, wanted: Partial<ConsumerConfig>): boolean {
  return Object.entries(wanted).every(
    ([key, value]) =>
      JSON.stringify(existing[key as keyof ConsumerConfig]) === JSON.stringify(value),
  );
}

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

function targetPlace(nats: NatsContext, spec: ConsumerSpec): DurablePlace {
  const { target } = spec;
  return {
    category: target.category,
    name: spec.consumer,
    filters: nats.subjects.targetFilters(target),
    async storage() {
      const storage = await nats.storageFor(target.category, true);
      // `create` makes storageFor throw rather than return nothing; this only narrows the type.
      if (storage === undefined)
        throw new StreamNotFoundError(nats.subjects.storageName(target.category));
      return storage;
    },
    adapt: (delivery) => delivery,
  };
}

/** Opens (or joins) the durable consumer `spec.consumer` on the target's category, or the durable `place` names. */
export function openNatsConsumer(
  nats: NatsContext,
  spec: ConsumerSpec,
  place: DurablePlace = targetPlace(nats, spec),
): ConsumerSource {
  return new NatsConsumerSource(nats, spec, place);
}

class NatsConsumerSource implements ConsumerSource {
  readonly #nats: NatsContext;
  readonly #spec: ConsumerSpec;
  readonly #place: DurablePlace;
  readonly #closed = new AbortController();
  #messages: ConsumerMessages | undefined;
  /** nats.js's iterator over `#messages`, read by this source's iterator. */
  #reading: AsyncIterator<JsMsg> | undefined;
  /** A read of `#reading` is under way. */
  #nextPending = false;
  /** When the consume last showed life (a message or a heartbeat), epoch ms. */
  #lastSign = 0;
  /** The consumer the consume pulls from, as it was when the consume opened. */
  #opened: ConsumerInfo | undefined;
  /** The server said the consumer or its stream is gone: the reopen sets it up in full. */
  #gone = false;
  readonly #status: NatsSourceStatus;
  readonly #acks: AckBatch;
  /** Lets a late copy of a settled message be recognised (settled-sequences.ts). */
  readonly #settled: SettledSequences;

  constructor(nats: NatsContext, spec: ConsumerSpec, place: DurablePlace) {
    this.#nats = nats;
    this.#spec = spec;
    this.#place = place;
    this.#status = new NatsSourceStatus(nats, this.#closed.signal);
    this.#settled = new SettledSequences(spec.batchSize);
    const publish = (subject: string, body: Uint8Array): void =>
      nats.connection.publish(subject, body);
    this.#acks = new AckBatch(nats.requester, publish, nats.options.timeoutMs, (error) =>
      this.#log("warn", error, "an ack was not confirmed; its messages may be redelivered"),
    );
  }

  status(): AsyncIterable<BackendStatus> {
    return this.#status.iterate();
  }

  /**
   * Stops the consume at once, then waits until the server confirmed the acks made so far
   * (`stop()` promises that). A consume whose consumer changed leader may never get that
   * confirmation; the reopen does not wait for it (subscribe/reopening-source.ts).
   */
  async close(): Promise<void> {
    this.#closed.abort();
    await Promise.all([this.#release(), this.#acks.flush()]);
  }

  /**
   * One consume: it ends when its consumer is gone or the consume fails (then it throws); the
   * subscription reopens the source (subscribe/reopening-source.ts), which recreates the consumer.
   * A plain iterator, not a generator: each delivery costs one `then` over nats.js's own
   * iterator instead of a generator's round of ticks (bench W4).
   */
  [Symbol.asyncIterator](): AsyncIterator<Delivery> {
    const closed = this.#closed.signal;
    let storage = "";
    const end = async (): Promise<IteratorResult<Delivery>> => {
      await this.#release();
      return { done: true, value: undefined };
    };
    const fail = async (error: unknown): Promise<never> => {
      this.#nextPending = false;
      await this.#release();
      throw error;
    };
    const next = (): Promise<IteratorResult<Delivery>> => {
      if (closed.aborted) return end();
      const messages = this.#reading;
      if (messages === undefined) {
        return this.#open(closed).then((opened) => {
          if (opened === undefined) return end();
          storage = opened;
          return next();
        }, fail);
      }
      this.#nextPending = true;
      return messages.next().then((result) => {
        this.#nextPending = false;
        if (result.done === true) {
          if (!closed.aborted) this.#log("warn", undefined, "consume ended");
          return end();
        }
        this.#lastSign = Date.now();
        const delivery = this.#delivery(storage, result.value);
        return delivery === undefined ? next() : { done: false, value: delivery };
      }, fail);
    };
    return { next, return: end };
  }

  /**
   * Ends nats.js's iterator and the consume. Its iterator finishes closing only once it is read
   * on (or returned): with a read pending, closing the consume ends that read; with none, it
   * must be returned first, or closing waits for a read that never comes.
   */
  async #release(): Promise<void> {
    const messages = this.#reading;
    this.#reading = undefined;
    if (messages !== undefined && !this.#nextPending) await messages.return?.();
    await this.#stopConsume();
  }

  /** Makes the consumer and opens its consume; the storage, or `undefined` once the source closed meanwhile. */
  async #open(closed: AbortSignal): Promise<string | undefined> {
    // Setting up waits for a reconnect while the server is away; a close must not wait too.
    const attemptMs = Math.min(this.#nats.options.timeoutMs, REOPEN_ATTEMPT_TIMEOUT_MS);
    const set = await untilAborted(
      withinMs(this.#setUp(), attemptMs, "setting up the consumer"),
      closed,
    );
    if (set === undefined) return undefined;
    // A consume that opens after a close stops itself (see #consume).
    const messages = await untilAborted(this.#consume(set.info), closed);
    if (messages === undefined || closed.aborted) return undefined;
    if (set.remembered) void this.#checkExists(messages);
    this.#reading = messages[Symbol.asyncIterator]();
    return set.storage;
  }

  /**
   * The consumer to pull from: the one a consume that lost its leader left (`reopenFrom`),
   * when its settings are still this spec's, or else created or updated now.
   */
  async #setUp(): Promise<{ storage: string; info: ConsumerInfo; remembered: boolean }> {
    const storage = await this.#place.storage();
    const left = reopenFromOf(this.#nats);
    const remembered = left.get(this.#key(storage));
    left.delete(this.#key(storage));
    if (remembered !== undefined && hasSettings(remembered.config, this.#config(remembered))) {
      return { storage, info: remembered, remembered: true };
    }
    return { storage, info: await this.#ensureConsumer(storage), remembered: false };
  }

  /** This spec's consumer configuration; an `existing` consumer keeps its start. */
  #config(existing: ConsumerInfo | undefined): Partial<ConsumerConfig> {
    const { name, filters } = this.#place;
    return durableConsumerConfig({ ...this.#spec, consumer: name }, filters, existing?.config);
  }

  #key(storage: string): string {
    return `${storage}/${this.#place.name}`;
  }

  /**
   * Creates the durable consumer, or updates it to this spec. The server treats a create with
   * an identical configuration as a no-op, so processes starting together all succeed; when an
   * existing consumer cannot take this configuration, it is used as it is. One that already
   * has this spec's settings is used without asking: a create goes through the cluster's meta
   * leader, slow on a busy cluster, and an attempt that timed out after its create landed
   * would otherwise time out again the same way.
   */
  async #ensureConsumer(storage: string): Promise<ConsumerInfo> {
    const { manager } = this.#nats;
    const { name } = this.#place;
    const found = await manager.consumers.info(storage, name).catch(() => undefined);
    const config = this.#config(found);
    if (found !== undefined && hasSettings(found.config, config)) return found;
    let info: ConsumerInfo;
    try {
      info = await manager.consumers.add(storage, config);
    } catch (error) {
      const existing = await manager.consumers.info(storage, name).catch(() => undefined);
      if (existing === undefined) throw error;
      this.#log("warn", error, "the existing consumer kept its configuration");
      info = existing;
    }
    return info;
  }

  /**
   * For a consume opened from remembered info: asks whether the consumer still exists. When
   * the server says it or its stream is gone, the consume ends and is not remembered, so the
   * reopen creates the consumer again. No answer proves nothing (its leader is being
   * elected): the consume's own pulls tell when it has one again.
   */
  async #checkExists(messages: ConsumerMessages): Promise<void> {
    const info = this.#opened;
    if (info === undefined) return;
    try {
      await this.#nats.checks.consumers.info(info.stream_name, info.name);
    } catch (error) {
      if (!isConsumerGone(error)) return;
      this.#gone = true;
      reopenFromOf(this.#nats).delete(this.#key(info.stream_name));
      this.#log("warn", error, "the consumer is gone; recreating it");
      await messages.close();
    }
  }

  /** Leaves the consume's consumer for the next open to pull from at once (`reopenFrom`). */
  #leaveForReopen(): void {
    const info = this.#opened;
    if (info === undefined || this.#gone) return;
    reopenFromOf(this.#nats).set(this.#key(info.stream_name), info);
  }

  async #consume(info: ConsumerInfo): Promise<ConsumerMessages> {
    // From the info at hand: asking the server first waits while the consumer has no leader.
    const consumer = this.#nats.jetstream.consumers.getConsumerFromInfo(info);
    this.#opened = info;
    const messages = await consumer.consume({
      max_messages: this.#spec.batchSize,
      idle_heartbeat: CONSUME_IDLE_HEARTBEAT_MS,
    });
    this.#messages = messages;
    // A close that raced the set-up above must still stop this consume.
    if (this.#closed.signal.aborted) await this.#stopConsume();
    else {
      const stopListening = onLeaderElected(
        this.#nats.connection,
        info.stream_name,
        info.name,
        () => this.#pullAgain(messages),
        (error) => this.#log("debug", error, "no consumer leader advisories; heartbeats tell"),
      );
      void messages.closed().then(stopListening, stopListening);
      void this.#watch(messages);
      this.#lastSign = Date.now();
      void this.#closeWhenSilent(messages);
      this.#status.report({ type: "connected", detail: this.#place.name });
    }
    return messages;
  }

  /**
   * Logs the consume's status and ends it when its consumer is gone, so it is recreated; when
   * heartbeats stop (a new consumer leader), so it is reopened at once: nats.js would re-pull
   * by itself, but after a failed check it waits 15–45 s before trying again; and when a pull
   * found nobody to answer it (the consumer has no leader, or no longer exists): nats.js would
   * wait for missed heartbeats before pulling again.
   */
  async #watch(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const status of messages.status()) {
        switch (status.type) {
          case "consumer_deleted":
          case "consumer_not_found":
          case "stream_not_found":
            this.#gone = true;
            this.#log("warn", undefined, `consumer status ${status.type}; recreating it`);
            await messages.close();
            return;
          case "no_responders":
            this.#log("warn", undefined, "no server answered a pull; reopening the consume");
            this.#leaveForReopen();
            await messages.close();
            return;
          case "heartbeat":
            this.#lastSign = Date.now();
            break;
          case "heartbeats_missed":
            this.#status.report({ type: "heartbeats-missed", detail: String(status.count) });
            this.#log("warn", undefined, "consumer heartbeats missed; reopening the consume");
            this.#leaveForReopen();
            await messages.close();
            return;
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

  /**
   * The consumer has a new leader, which knows nothing of this consume's pulls: pull again
   * now, on the same consume, rather than once two heartbeats have gone missing. The same
   * inbox still takes what the old leader sent before it stepped down, which may arrive after
   * the advisory (another server sends it); a consume closed and reopened instead dropped
   * those, and they came back only after the ack wait. A nats.js without that call gets the
   * reopen that missed heartbeats get.
   */
  #pullAgain(messages: ConsumerMessages): void {
    if (this.#messages !== messages) return;
    this.#log("debug", undefined, "the consumer has a new leader; pulling again");
    if (pullsAgain(messages)) {
      messages.resetPendingNoInfo().catch((error: unknown) => {
        this.#log("warn", error, "pulling again after a leader change failed; heartbeats tell");
      });
      return;
    }
    this.#leaveForReopen();
    void messages.close();
  }

  /**
   * Ends the consume when it has gone quiet while connected: no message and no heartbeat for
   * `CONSUME_SILENCE_LIMIT_MS`, nothing buffered. After a reconnect nats.js checks the
   * consumer and re-pulls by itself, and the pulls made before are still answered on the
   * same inbox, so the consume is kept; but when that check finds no consumer leader (the
   * node the client lost also led the consumer) nats.js waits 15–45 s before checking again,
   * and only this notices. Closing while disconnected would strand the messages the server
   * sends to the old pulls until their ack wait, so the clock stops meanwhile.
   */
  async #closeWhenSilent(messages: ConsumerMessages): Promise<void> {
    let connected = true;
    const check = setInterval(() => {
      const silentMs = Date.now() - this.#lastSign;
      if (!connected || silentMs < CONSUME_SILENCE_LIMIT_MS || messages.getPending() > 0) return;
      this.#log("warn", undefined, `consume silent for ${silentMs} ms; reopening it`);
      this.#leaveForReopen();
      void messages.close();
    }, CONSUME_IDLE_HEARTBEAT_MS);
    // nats.js hands out a queued iterator with `stop()`; the consume's end stops it.
    const statuses: AsyncIterable<Status> & { stop?: () => void } = this.#nats.connection.status();
    const stop = (): void => {
      clearInterval(check);
      statuses.stop?.();
    };
    void messages.closed().then(stop, stop);
    try {
      for await (const status of statuses) {
        if (status.type === "disconnect") connected = false;
        if (status.type === "reconnect") {
          connected = true;
          this.#lastSign = Date.now();
        }
      }
    } catch {
      // The connection closed; the consume ends with it.
    } finally {
      clearInterval(check);
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

  /** The delivery of `msg`, or `undefined` for a late copy of a message settled here (acked again). */
  #delivery(storage: string, msg: JsMsg): Delivery | undefined {
    const category = this.#place.category;
    const facts = deliveryFactsOf(replySubjectOf(msg)) ?? {
      deliveryCount: msg.info.deliveryCount,
      sequence: msg.seq,
      storedAtMs: msg.time.getTime(),
    };
    // A first delivery is never a copy, so W4's catch-up does not pay for the lookup.
    if (facts.deliveryCount > 1 && this.#settled.has(facts.sequence)) {
      // Acked again: harmless if the first ack arrived, and it stands in if that one was lost.
      this.#acks.add(msg);
      return undefined;
    }
    const subject = msg.subject;
    const body = msg.data;
    let message: RecordedMessage | undefined;
    let error: Error | undefined;
    try {
      message = this.#nats.decode(category, {
        storage,
        subject,
        sequence: facts.sequence,
        data: body,
        time: new Date(facts.storedAtMs),
        headers: msg.headers,
      });
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
          sequence: facts.sequence,
          body,
          destination: subject,
          handle: subject,
          headers: headersRecord(msg.headers),
        },
        deliveryCount: facts.deliveryCount,
        // A plain ack, not a confirmed one: waiting for the server's confirmation of every
        // ack capped a subscription at one message per round trip. An ack lost in transit
        // means a redelivery, which at-least-once delivery allows. Acks leave in batches
        // (ack-batch.ts); once the source is closing, each is sent at once and confirmed, so
        // `stop()` returns only after the server recorded the ack of the message in flight.
        ack: async () => {
          this.#settled.add(facts.sequence);
          this.#acks.add(msg);
          if (this.#closed.signal.aborted) await this.#acks.flush();
        },
        nak: (delayMs) => msg.nak(delayMs),
        term: () => {
          this.#settled.add(facts.sequence);
          msg.term();
        },
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
    this.#nats.options.logger[level](fields, text);
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
