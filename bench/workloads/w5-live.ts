/**
 * W5: one write at a time, timed from the start of the write until a live subscriber has the
 * message. This is the delivery latency a reactive service sees.
 * - raw: durable pull consumer with `DeliverPolicy.New`, `consume()`, publish to a position subject.
 * - store: `subscribe` on the category, `write` to a stream.
 * Before any timed write, each system writes once to every entity (and its subscriber sees
 * it), so the store's cache of entity ends is warm, as the target assumes ("one round trip per
 * write while the cache is warm"). A cold entity costs the store one more round trip, a look
 * at the entity's end; the raw writer never pays that because it is the only writer and counts.
 * - store-cold (reference, no ratio): the same, but every timed write goes to a stream this
 *   process has never written or read, so the store must learn its version first.
 */
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import { openRaw, openStore, randomEntities } from "../clients.ts";
import { latencies, nowMs } from "../stats.ts";
import {
  CATEGORY,
  createCategoryStream,
  encodeSampleBody,
  MESSAGE_TYPE,
  positionSubject,
  sampleData,
  storageStreamOf,
  streamNameOf,
} from "../wire.ts";
import type { Environment, Measurement, Variant, Workload } from "./types.ts";

/** Hands each delivery to whoever waits for the next one. Writes are one at a time. */
class NextDelivery {
  #waiting: (() => void) | undefined;

  next(): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  delivered(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.();
  }
}

/** One write to every entity, each awaited until delivered: the untimed priming pass. */
async function writeToEveryEntity(
  environment: Environment,
  deliveries: NextDelivery,
  write: (entity: number, index: number) => Promise<unknown>,
): Promise<void> {
  for (let entity = 0; entity < environment.settings.entities; entity += 1) {
    const arrival = deliveries.next();
    await Promise.all([write(entity, entity), arrival]);
  }
}

/** Times `write` until `arrival` settles, one write at a time. */
async function timeLiveWrites(
  environment: Environment,
  repetition: number,
  deliveries: NextDelivery,
  write: (entity: number, index: number) => Promise<unknown>,
): Promise<Measurement> {
  const picks = randomEntities(
    environment.settings.liveWrites,
    environment.settings.entities,
    repetition + 3,
  );
  const samples: number[] = [];
  const started = nowMs();
  for (const [index, entity] of picks.entries()) {
    const arrival = deliveries.next();
    const before = nowMs();
    await Promise.all([write(entity, index), arrival]);
    samples.push(nowMs() - before);
  }
  return latencies(samples, nowMs() - started);
}

const raw: Variant = {
  name: "raw",
  system: "raw",
  reference: false,
  async open(environment, prefix) {
    const client = await openRaw(environment.url);
    const storage = storageStreamOf(prefix);
    await createCategoryStream(client.manager, prefix, true);
    await client.manager.consumers.add(storage, {
      durable_name: "live",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      filter_subject: `${prefix}.${CATEGORY}.>`,
    });
    const consumer = await client.client.consumers.get(storage, "live");
    const messages = await consumer.consume();
    const deliveries = new NextDelivery();
    const consuming = (async () => {
      for await (const message of messages) {
        message.ack();
        deliveries.delivered();
      }
    })();
    const nextPositions = new Map<number, number>();
    const write = (entity: number, index: number): Promise<unknown> => {
      const position = nextPositions.get(entity) ?? 0;
      nextPositions.set(entity, position + 1);
      return client.client.publish(
        positionSubject(prefix, entity, position),
        encodeSampleBody(index),
      );
    };
    await writeToEveryEntity(environment, deliveries, write);
    return {
      run: (repetition) => timeLiveWrites(environment, repetition, deliveries, write),
      close: async () => {
        await messages.close();
        await consuming;
        await client.connection.close();
      },
    };
  },
};

/** The store on a live subscription; `stream` names the stream each write goes to. */
function storeVariant(
  name: string,
  reference: boolean,
  stream: (entity: number, index: number, repetition: number) => string,
): Variant {
  return {
    name,
    system: "store",
    reference,
    async open(environment, prefix) {
      const messageStore = await openStore(environment.url, prefix);
      await messageStore.ensureCategory(CATEGORY);
      const deliveries = new NextDelivery();
      const subscription = messageStore.subscribe(CATEGORY, {
        consumer: "live",
        handlers: { [MESSAGE_TYPE]: () => deliveries.delivered() },
      });
      await subscription.start();
      let repetitionNow = 0;
      const write = (entity: number, index: number): Promise<unknown> =>
        messageStore.write(stream(entity, index, repetitionNow), {
          type: MESSAGE_TYPE,
          data: sampleData(index),
        });
      await writeToEveryEntity(environment, deliveries, write);
      return {
        run: (repetition) => {
          repetitionNow = repetition + 1;
          return timeLiveWrites(environment, repetition, deliveries, write);
        },
        close: () => messageStore.close(),
      };
    },
  };
}

/** Warm: the primed entities, whose versions the store has cached. */
const store = storeVariant("store", false, (entity) => streamNameOf(entity));

/** Cold: a stream never seen, per write (priming writes to stream `…-p{entity}`, unused later). */
const storeCold = storeVariant("store-cold", true, (entity, index, repetition) =>
  repetition === 0 ? `${CATEGORY}-p${entity}` : `${CATEGORY}-cold${repetition}x${index}`,
);

export const w5: Workload = {
  id: "W5",
  title: "one write at a time to a live subscriber",
  metric: "latency",
  variants: [raw, store, storeCold],
};
