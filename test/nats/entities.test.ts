// Entities on NATS: the snapshot bucket, close() waiting for snapshots, a rewritten stream,
// and a short read from a later position asking only for its positions.
import { Kvm } from "@nats-io/kv";
import { describe, expect, it } from "vitest";
import { snapshotBucketName } from "../../src/backends/nats/snapshots.ts";
import type { EntityOptions, MessageStore, RecordedMessage } from "../../src/index.ts";
import { hasNats } from "../support/nats.ts";
import { useNatsTestBed } from "./nats-helpers.ts";

type Event = RecordedMessage<"Deposited", { amount: number }>;

function counting(category: string): {
  options: EntityOptions<number, Event>;
  folded: { count: number };
} {
  const folded = { count: 0 };
  return {
    folded,
    options: {
      category,
      init: 0,
      handlers: {
        Deposited: (balance, event) => {
          folded.count += 1;
          return balance + event.data.amount;
        },
      },
    },
  };
}

async function deposit(store: MessageStore, stream: string, ...amounts: number[]): Promise<void> {
  await store.write(
    stream,
    amounts.map((amount) => ({ type: "Deposited", data: { amount } })),
  );
}

describe.skipIf(!hasNats())("NATS entities", () => {
  const bed = useNatsTestBed("entities");

  it("keeps snapshots in a KV bucket per category, named after the prefix and category", async () => {
    const store = await bed.open();
    const category = "account:command";
    await deposit(store, `${category}-1`, 1, 2);
    const entities = store.entities({
      ...counting(category).options,
      snapshot: { every: 1, version: 1 },
    });
    await entities.fetch("1");
    await entities.flush();
    const bucket = await new Kvm(bed.raw().connection).open(
      snapshotBucketName(store.options.prefix, category),
    );
    const entry = await bucket.get("1");
    expect(JSON.parse(new TextDecoder().decode(entry?.value))).toMatchObject({
      snapshotVersion: 1,
      version: 1,
      state: 3,
    });
  });

  it("close() waits for the snapshots being written", async () => {
    const prefixed = await bed.open();
    const { prefix } = prefixed.options;
    await deposit(prefixed, "account-7", 1, 2, 3);
    const snapshot = { every: 1, version: 1 };
    await prefixed.entities({ ...counting("account").options, snapshot }).fetch("7");
    await prefixed.close();
    const later = await bed.open({ prefix });
    const cold = counting("account");
    expect(await later.entities({ ...cold.options, snapshot }).fetch("7")).toEqual({
      state: 6,
      version: 2,
    });
    expect(cold.folded.count).toBe(0);
  });

  it("a cached entity whose stream was purged and written again is folded from the start", async () => {
    const store = await bed.open();
    const { options, folded } = counting("account");
    const entities = store.entities(options);
    await deposit(store, "account-9", 1, 1);
    expect(await entities.fetch("9")).toEqual({ state: 2, version: 1 });
    await bed.raw().manager.streams.purge(`${store.options.prefix}-account`);
    const other = await bed.open({ prefix: store.options.prefix });
    await deposit(other, "account-9", 50, 50);
    expect(await entities.fetch("9")).toEqual({ state: 100, version: 1 });
    expect(folded.count).toBe(4);
  });
});
