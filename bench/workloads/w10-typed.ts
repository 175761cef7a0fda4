/**
 * W10 (issue 14): what a message contract with a zod schema costs, against the same store
 * without one, in the same run. The target is >= 0.8x the untyped figure for both.
 * - W10-write: W1's sequential checked appends; `typed` writes through `accounts.stream(…)`,
 *   so each message is validated by the schema first.
 * - W10-consume: W4's catch-up consume; `typed` subscribes to the contract with
 *   `validate: true`, so each delivery is validated before the handler runs.
 */
import type { MessageStore } from "message-store";
import { z } from "zod";
import { openStore } from "../clients.ts";
import { openSeeded } from "../seed.ts";
import { nowMs } from "../stats.ts";
import { timeSubscription } from "../subscribe-timed.ts";
import { CATEGORY, MESSAGE_TYPE, sampleData, streamNameOf } from "../wire.ts";
import type { Environment, Measurement, Runner, Variant, Workload } from "./types.ts";
import { type Append, sequentialRunner } from "./w1-append.ts";

async function sampleContract() {
  const { defineCategory } = await import("message-store");
  return defineCategory(CATEGORY, {
    [MESSAGE_TYPE]: z.object({
      amount: z.number(),
      currency: z.string(),
      reference: z.string(),
      note: z.string(),
      at: z.string(),
    }),
  });
}

type SampleContract = Awaited<ReturnType<typeof sampleContract>>;

function typedAppend(store: MessageStore, accounts: SampleContract): Append {
  const versions = new Map<number, number>();
  const streams = new Map<number, ReturnType<SampleContract["stream"]>>();
  return async (entity, index) => {
    let stream = streams.get(entity);
    if (stream === undefined) {
      stream = accounts.stream(String(entity));
      streams.set(entity, stream);
    }
    const result = await store.write(
      stream,
      { type: MESSAGE_TYPE, data: sampleData(index) },
      { expectedVersion: versions.get(entity) ?? -1 },
    );
    versions.set(entity, result.position);
  };
}

function untypedAppend(store: MessageStore): Append {
  const versions = new Map<number, number>();
  return async (entity, index) => {
    const result = await store.write(
      streamNameOf(entity),
      { type: MESSAGE_TYPE, data: sampleData(index) },
      { expectedVersion: versions.get(entity) ?? -1 },
    );
    versions.set(entity, result.position);
  };
}

function writeVariant(name: "untyped" | "typed"): Variant {
  return {
    name,
    system: "store",
    reference: false,
    async open(environment, prefix): Promise<Runner> {
      const store = await openStore(environment.url, prefix);
      const append =
        name === "typed" ? typedAppend(store, await sampleContract()) : untypedAppend(store);
      const count = environment.settings.sequentialWrites;
      return sequentialRunner(environment, count, append, () => store.close());
    },
  };
}

/** Seconds until `count` deliveries of the contract passed validation and were handled. */
async function timeTypedSubscription(
  store: MessageStore,
  accounts: SampleContract,
  consumer: string,
  count: number,
): Promise<number> {
  let handled = 0;
  let allHandled = (): void => {};
  const finished = new Promise<void>((resolve) => {
    allHandled = resolve;
  });
  const subscription = store.subscribe(accounts, {
    consumer,
    validate: true,
    handlers: {
      [MESSAGE_TYPE]: (message) => {
        // The typed data, read as a handler would.
        if (message.data.amount >= 0 && ++handled === count) allHandled();
      },
    },
  });
  const started = nowMs();
  await subscription.start();
  await finished;
  const seconds = (nowMs() - started) / 1000;
  await subscription.stop();
  return seconds;
}

function consumeVariant(name: "untyped" | "typed"): Variant {
  return {
    name,
    system: "store",
    reference: false,
    async open(environment: Environment, prefix): Promise<Runner> {
      const seeded = await openSeeded(environment, prefix, environment.settings.entities, true);
      const store = await openStore(environment.url, prefix);
      const accounts = await sampleContract();
      const total = environment.settings.entities * environment.settings.messagesPerEntity;
      return {
        async run(repetition): Promise<Measurement> {
          const consumer = `${name}${repetition}`;
          const seconds =
            name === "typed"
              ? await timeTypedSubscription(store, accounts, consumer, total)
              : await timeSubscription(store, { consumer, count: total });
          return { operations: total, seconds };
        },
        close: async () => {
          await store.close();
          await seeded.connection.close();
        },
      };
    },
  };
}

export const w10Write: Workload = {
  id: "W10-write",
  title: "sequential checked appends: untyped vs a zod contract",
  metric: "throughput",
  variants: [writeVariant("untyped"), writeVariant("typed")],
};

export const w10Consume: Workload = {
  id: "W10-consume",
  title: "catch-up consume: untyped vs a zod contract with validate",
  metric: "throughput",
  variants: [consumeVariant("untyped"), consumeVariant("typed")],
};
