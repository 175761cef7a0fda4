/**
 * W4: catch-up consumption of the whole seeded category by a new durable consumer, acking
 * each message; timed until the last one is handled. W8 (RSS growth) is sampled meanwhile.
 * - raw: the best a user writes by hand: a durable pull consumer read with
 *   `consume({ max_messages: 1000 })`, each body decoded with `json()` (a handler needs the
 *   message) and acked with `ack()`.
 * - store: `subscribe` with a handler that only counts, at its default options.
 * Both times include creating the durable consumer.
 */
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import { openStore } from "../clients.ts";
import { trackRss } from "../rss.ts";
import { openSeeded } from "../seed.ts";
import { nowMs } from "../stats.ts";
import { timeSubscription } from "../subscribe-timed.ts";
import { CATEGORY, storageStreamOf } from "../wire.ts";
import type { Environment, Measurement, Variant, Workload } from "./types.ts";

/** The raw side's pull size: above nats.js's default of 100, as a user tuning for catch-up would pick. */
const RAW_MAX_MESSAGES = 1000;

function totalOf(environment: Environment): number {
  return environment.settings.entities * environment.settings.messagesPerEntity;
}

const raw: Variant = {
  name: "raw",
  system: "raw",
  reference: false,
  async open(environment, prefix) {
    const client = await openSeeded(environment, prefix, environment.settings.entities, true);
    const storage = storageStreamOf(prefix);
    const total = totalOf(environment);
    return {
      async run(repetition): Promise<Measurement> {
        const name = `catchup${repetition}`;
        const rss = trackRss();
        const started = nowMs();
        await client.manager.consumers.add(storage, {
          durable_name: name,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: `${prefix}.${CATEGORY}.>`,
        });
        const consumer = await client.client.consumers.get(storage, name);
        const messages = await consumer.consume({ max_messages: RAW_MAX_MESSAGES });
        let handled = 0;
        for await (const message of messages) {
          message.json();
          message.ack();
          if (++handled === total) break;
        }
        await client.connection.flush();
        const seconds = (nowMs() - started) / 1000;
        const rssGrowthBytes = rss.stop();
        await client.manager.consumers.delete(storage, name);
        return { operations: handled, seconds, rssGrowthBytes };
      },
      close: () => client.connection.close(),
    };
  },
};

const store: Variant = {
  name: "store",
  system: "store",
  reference: false,
  async open(environment, prefix) {
    const client = await openSeeded(environment, prefix, environment.settings.entities, true);
    const messageStore = await openStore(environment.url, prefix);
    const total = totalOf(environment);
    return {
      async run(repetition): Promise<Measurement> {
        let rss: ReturnType<typeof trackRss> | undefined;
        const seconds = await timeSubscription(messageStore, {
          consumer: `catchup${repetition}`,
          count: total,
          onStart: () => {
            rss = trackRss();
          },
        });
        const rssGrowthBytes = rss?.stop() ?? 0;
        return { operations: total, seconds, rssGrowthBytes };
      },
      close: async () => {
        await messageStore.close();
        await client.connection.close();
      },
    };
  },
};

export const w4: Workload = {
  id: "W4",
  title: "catch-up consume of the category, durable, ack each",
  metric: "throughput",
  variants: [raw, store],
};
