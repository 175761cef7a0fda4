/** Start positions, reset and replay, and what `consumerInfo` reports along the way. */
import { expect } from "vitest";
import type { RecordedMessage } from "../../message.ts";
import type { MessageStore } from "../../store.ts";
import { eventually, readCategory, sleep, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

/** Time given to a backend to (wrongly) deliver something more before a case checks it did not. */
const QUIET_MS = 300;

async function writeNumbers(
  store: MessageStore,
  categoryName: string,
  from: number,
  to: number,
): Promise<void> {
  for (let value = from; value <= to; value += 1) {
    await store.write(`${categoryName}-${value % 2}`, { type: "N", data: value });
  }
}

export function replayCases({ store: newStore, test }: SuiteContext): void {
  test("a new consumer with startAt { globalPosition } starts at that message", async () => {
    const store = await newStore();
    const categoryName = `rp${uniqueId()}`;
    await writeNumbers(store, categoryName, 1, 5);
    const third = (await readCategory(store, categoryName))[2] as RecordedMessage;
    const seen: unknown[] = [];
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      startAt: { globalPosition: third.globalPosition },
      handlers: { N: (message) => void seen.push(message.data) },
    });
    await subscription.start();
    await eventually("3 messages handled", () => seen.length >= 3);
    await sleep(QUIET_MS);
    expect(seen).toEqual([3, 4, 5]);
  });

  test("a new consumer with startAt { time } starts at the first message stored from then", async () => {
    const store = await newStore();
    const categoryName = `rp${uniqueId()}`;
    await writeNumbers(store, categoryName, 1, 3);
    await sleep(20);
    const since = new Date();
    await sleep(20);
    await writeNumbers(store, categoryName, 4, 5);
    const seen: unknown[] = [];
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      startAt: { time: since.toISOString() },
      handlers: { N: (message) => void seen.push(message.data) },
    });
    await subscription.start();
    await eventually("2 messages handled", () => seen.length >= 2);
    await sleep(QUIET_MS);
    expect(seen).toEqual([4, 5]);
  });

  test('startAt "end" sees only messages written after the consumer exists', async () => {
    const store = await newStore();
    const categoryName = `rp${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    await writeNumbers(store, categoryName, 1, 3);
    const seen: unknown[] = [];
    const subscription = store.subscribe(categoryName, {
      consumer,
      startAt: "end",
      handlers: { N: (message) => void seen.push(message.data) },
    });
    await subscription.start();
    await eventually(
      "the consumer exists",
      async () => (await store.consumerInfo(categoryName, consumer)) !== undefined,
    );
    await writeNumbers(store, categoryName, 4, 5);
    await eventually("2 messages handled", () => seen.length >= 2);
    await sleep(QUIET_MS);
    expect(seen).toEqual([4, 5]);
  });

  test("an existing consumer keeps its position whatever startAt says", async () => {
    const store = await newStore();
    const categoryName = `rp${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    await writeNumbers(store, categoryName, 1, 2);
    const seen: unknown[] = [];
    const handlers = { N: (message: RecordedMessage) => void seen.push(message.data) };
    const first = store.subscribe(categoryName, { consumer, handlers });
    await first.start();
    await eventually("2 messages handled", () => seen.length >= 2);
    await first.stop();
    await writeNumbers(store, categoryName, 3, 4);
    const second = store.subscribe(categoryName, { consumer, handlers, startAt: "end" });
    await second.start();
    await eventually("4 messages handled", () => seen.length >= 4);
    await sleep(QUIET_MS);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  test("resetConsumer to the beginning rebuilds the same projection", async () => {
    const store = await newStore();
    const categoryName = `rp${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    await writeNumbers(store, categoryName, 1, 10);
    const project = async (): Promise<Record<string, number>> => {
      const totals: Record<string, number> = {};
      let handled = 0;
      const subscription = store.subscribe(categoryName, {
        consumer,
        handlers: {
          N: (message) => {
            totals[message.streamName] = (totals[message.streamName] ?? 0) + Number(message.data);
            handled += 1;
          },
        },
      });
      await subscription.start();
      await eventually("10 messages handled", () => handled >= 10);
      await sleep(QUIET_MS);
      await subscription.stop();
      expect(handled).toBe(10);
      return totals;
    };
    const built = await project();
    expect(built).toEqual({ [`${categoryName}-0`]: 30, [`${categoryName}-1`]: 25 });
    await store.resetConsumer(categoryName, consumer, "beginning");
    expect(await project()).toEqual(built);
  });

  test("consumerInfo reports pending, in flight and lag before and after consuming", async () => {
    const store = await newStore();
    const categoryName = `rp${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    expect(await store.consumerInfo(categoryName, consumer)).toBeUndefined();
    await writeNumbers(store, categoryName, 1, 4);
    // A reset makes a missing consumer: it exists, and has handled nothing yet.
    await store.resetConsumer(categoryName, consumer, "beginning");
    expect(await store.consumerInfo(categoryName, consumer)).toMatchObject({
      consumer,
      category: categoryName,
      pending: 4,
      inFlight: 0,
      lag: 4,
      lastHandledGlobalPosition: 0,
    });
    let handled = 0;
    const subscription = store.subscribe(categoryName, {
      consumer,
      handlers: {
        N: () => {
          handled += 1;
        },
      },
    });
    await subscription.start();
    await eventually("4 messages handled", () => handled >= 4);
    const head = (await readCategory(store, categoryName)).at(-1)?.globalPosition;
    await eventually(
      "no lag",
      async () => (await store.consumerInfo(categoryName, consumer))?.lag === 0,
    );
    expect(await store.consumerInfo(categoryName, consumer)).toMatchObject({
      pending: 0,
      inFlight: 0,
      redelivered: 0,
      lastHandledGlobalPosition: head,
    });
    const listed = await store.consumers(categoryName);
    expect(listed.map((info) => info.consumer)).toEqual([consumer]);
  });

  test("consumers lists durable consumers only, not the live feeds of tail and waitFor", async () => {
    const store = await newStore();
    const categoryName = `rp${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    await writeNumbers(store, categoryName, 1, 1);
    await store.resetConsumer(categoryName, consumer, "beginning");
    const controller = new AbortController();
    const feed = store.tail(categoryName, { fromGlobalPosition: 1, signal: controller.signal });
    // A message from each proves both feeds are open while the list is taken.
    await feed.next();
    let waiterSaw = false;
    const waiting = store.waitFor(
      categoryName,
      (message) => {
        waiterSaw = true;
        return message.data === 2;
      },
      { fromGlobalPosition: 1, timeoutMs: 10_000 },
    );
    await eventually("waitFor to see the first message", () => waiterSaw);
    const listed = await store.consumers(categoryName);
    expect(listed.map((info) => info.consumer)).toEqual([consumer]);
    const everywhere = await store.consumers();
    expect(everywhere.filter((info) => info.category === categoryName)).toHaveLength(1);
    await writeNumbers(store, categoryName, 2, 2);
    await waiting;
    controller.abort();
    await feed.return(undefined);
  });
}
