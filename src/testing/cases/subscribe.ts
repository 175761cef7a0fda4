/** Subscriptions: delivery, durable resume, stop semantics, shared consumers, unknown types. */
import { expect } from "vitest";
import type { ConsumerInfo } from "../../backend-records.ts";
import type { RecordedMessage } from "../../message.ts";
import type { Subscription } from "../../subscribe/types.ts";
import { deferred, eventually, sleep, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

/** Time given to a backend to (wrongly) redeliver something before a case checks it did not. */
const QUIET_MS = 300;

export function subscribeCases({ store: newStore, test }: SuiteContext): void {
  test("a subscription delivers a category's messages in order with every field", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    await store.write(`${categoryName}-1`, [
      { type: "A", data: 0 },
      { type: "A", data: 1 },
    ]);
    const seen: RecordedMessage[] = [];
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      handlers: { A: (message) => void seen.push(message) },
    });
    await subscription.start();
    expect(subscription.running).toBe(true);
    await store.write(`${categoryName}-2`, { type: "A", data: 2, metadata: { k: "v" } });
    await eventually("3 messages handled", () => seen.length >= 3);
    expect(seen.map((m) => m.data)).toEqual([0, 1, 2]);
    const stored = await store.get(`${categoryName}-2`);
    expect(seen[2]).toMatchObject({
      id: stored[0]?.id,
      type: "A",
      metadata: { k: "v" },
      streamName: `${categoryName}-2`,
      category: categoryName,
      streamId: "2",
      position: 0,
      globalPosition: stored[0]?.globalPosition,
    });
    await subscription.stop();
    expect(subscription.running).toBe(false);
  });

  test("a subscription to one stream gets only that stream", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    const seen: string[] = [];
    const subscription = store.subscribe(`${categoryName}-mine`, {
      consumer: `c${uniqueId()}`,
      handlers: { A: (message) => void seen.push(message.streamName) },
    });
    await subscription.start();
    await store.write(`${categoryName}-other`, { type: "A" });
    await store.write(`${categoryName}-mine`, { type: "A" });
    await store.write(`${categoryName}-mine2`, { type: "A" });
    await store.write(`${categoryName}-mine`, { type: "A" });
    await eventually("2 messages handled", () => seen.length >= 2);
    await sleep(QUIET_MS);
    expect(seen).toEqual([`${categoryName}-mine`, `${categoryName}-mine`]);
  });

  test("a subscription takes a {category} ref for a category containing '-'", async () => {
    const store = await newStore();
    const categoryName = `import-podcast${uniqueId()}:command`;
    const seen: RecordedMessage[] = [];
    const subscription = store.subscribe(
      { category: categoryName },
      { consumer: `c${uniqueId()}`, handlers: { Import: (m) => void seen.push(m) } },
    );
    await subscription.start();
    await store.write({ category: categoryName, id: "65a1" }, { type: "Import" });
    await eventually("the message handled", () => seen.length >= 1);
    expect(seen[0]).toMatchObject({ category: categoryName, streamId: "65a1" });
  });

  test("a message of a type without a handler is acked and not redelivered", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    await store.write(`${categoryName}-1`, [{ type: "Unknown" }, { type: "Known", data: 1 }]);
    const known: unknown[] = [];
    const first = store.subscribe(categoryName, {
      consumer,
      handlers: { Known: (m) => void known.push(m.data) },
    });
    await first.start();
    await eventually("Known handled", () => known.length >= 1);
    await first.stop();
    // The same consumer, now able to handle Unknown: it was acked, so it never comes back.
    const unknown: unknown[] = [];
    const second = store.subscribe(categoryName, {
      consumer,
      handlers: {
        Unknown: (m) => void unknown.push(m.type),
        Known: (m) => void known.push(m.data),
      },
    });
    await second.start();
    await store.write(`${categoryName}-1`, { type: "Known", data: 2 });
    await eventually("the later message handled", () => known.length >= 2);
    await sleep(QUIET_MS);
    expect(unknown).toEqual([]);
    expect(known).toEqual([1, 2]);
  });

  test("a named consumer resumes after stop() without re-handling acked messages", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    await store.write(
      `${categoryName}-1`,
      [0, 1, 2].map((n) => ({ type: "N", data: n })),
    );
    const handled: unknown[] = [];
    const handlers = { N: (m: RecordedMessage) => void handled.push(m.data) };
    const first = store.subscribe(categoryName, { consumer, handlers });
    await first.start();
    await eventually("first three handled", () => handled.length >= 3);
    await first.stop();
    await store.write(
      `${categoryName}-2`,
      [3, 4].map((n) => ({ type: "N", data: n })),
    );
    await sleep(QUIET_MS);
    expect(handled).toEqual([0, 1, 2]);
    const second = store.subscribe(categoryName, { consumer, handlers });
    await second.start();
    await eventually("the two later ones handled", () => handled.length >= 5);
    await sleep(QUIET_MS);
    expect(handled).toEqual([0, 1, 2, 3, 4]);
    await second.stop();
  });

  test("a handler running longer than ackWaitMs keeps its message, with the default progress interval", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    const ackWaitMs = 1000;
    const entered = deferred();
    const release = deferred();
    let calls = 0;
    const subscription = store.subscribe(categoryName, {
      consumer,
      ackWaitMs,
      handlers: {
        Slow: async () => {
          calls += 1;
          entered.resolve();
          await release.promise;
        },
      },
    });
    await subscription.start();
    await store.write(`${categoryName}-1`, { type: "Slow" });
    await entered.promise;
    let info: ConsumerInfo | undefined;
    try {
      // Two and a half ack waits: without in-progress signals the backend redelivers it twice.
      await sleep(ackWaitMs * 2.5);
      info = await store.consumerInfo(categoryName, consumer);
    } finally {
      release.resolve();
    }
    expect(info).toMatchObject({ inFlight: 1, redelivered: 0 });
    await eventually("the message acknowledged", async () => {
      return (await store.consumerInfo(categoryName, consumer))?.inFlight === 0;
    });
    expect(calls).toBe(1);
    await subscription.stop();
  });

  test("when stop() or leaving a consume() loop resolves, every handled message is acknowledged", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    const total = 60;
    for (let n = 0; n < total; n += 1)
      await store.write(`${categoryName}-${n % 6}`, { type: "N", data: n });
    const head = (await store.last(`${categoryName}-${(total - 1) % 6}`))?.globalPosition;
    const settled = {
      pending: 0,
      inFlight: 0,
      lag: 0,
      redelivered: 0,
      lastHandledGlobalPosition: head,
    };
    // Checked at once, not eventually: acks still waiting in this process would show as in flight.
    const pushed = `c${uniqueId()}`;
    let handled = 0;
    const subscription = store.subscribe(categoryName, {
      consumer: pushed,
      handlers: {
        N: () => {
          handled += 1;
        },
      },
    });
    await subscription.start();
    await eventually("every message handled", () => handled >= total);
    await subscription.stop();
    expect(await store.consumerInfo(categoryName, pushed)).toMatchObject(settled);
    const pulled = `c${uniqueId()}`;
    let acked = 0;
    for await (const item of store.consume(categoryName, { consumer: pulled })) {
      await item.ack();
      if (++acked === total) break;
    }
    expect(await store.consumerInfo(categoryName, pulled)).toMatchObject(settled);
  });

  test("stop() lets the handler in flight finish, and its message stays handled", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    const entered = deferred();
    const release = deferred();
    let finished = 0;
    let calls = 0;
    const first = store.subscribe(categoryName, {
      consumer,
      handlers: {
        Slow: async () => {
          calls += 1;
          entered.resolve();
          await release.promise;
          finished += 1;
        },
      },
    });
    await first.start();
    await store.write(`${categoryName}-1`, { type: "Slow" });
    await entered.promise;
    let stopped = false;
    const stopping = first.stop().then(() => {
      stopped = true;
    });
    await sleep(50);
    expect(stopped).toBe(false);
    release.resolve();
    await stopping;
    expect(finished).toBe(1);
    // Acked on the way out: the same consumer does not see it again.
    const again: unknown[] = [];
    const second = store.subscribe(categoryName, {
      consumer,
      handlers: { Slow: (m) => void again.push(m.id), Marker: (m) => void again.push(m.type) },
    });
    await second.start();
    await store.write(`${categoryName}-1`, { type: "Marker" });
    await eventually("the marker handled", () => again.length >= 1);
    await sleep(QUIET_MS);
    expect(again).toEqual(["Marker"]);
    expect(calls).toBe(1);
  });

  test("two subscriptions with the same consumer share the messages, each handled once", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    const handledBy: [string, number][] = [];
    const make = (label: string): Subscription =>
      store.subscribe(categoryName, {
        consumer,
        batchSize: 2,
        handlers: {
          Job: async (m) => {
            handledBy.push([label, m.data as number]);
            await sleep(5);
          },
        },
      });
    const one = make("one");
    const two = make("two");
    await Promise.all([one.start(), two.start()]);
    for (let n = 0; n < 20; n += 1)
      await store.write(`${categoryName}-${n % 4}`, { type: "Job", data: n });
    await eventually("20 jobs handled", () => handledBy.length >= 20, 20_000);
    await sleep(QUIET_MS);
    const jobs = handledBy.map(([, n]) => n).sort((a, b) => a - b);
    expect(jobs).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  test("start() and stop() are idempotent and a subscription is async-disposable", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    const seen: unknown[] = [];
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      handlers: { A: (m) => void seen.push(m.data) },
    });
    expect(subscription.running).toBe(false);
    await Promise.all([subscription.start(), subscription.start()]);
    await subscription.start();
    expect(subscription.running).toBe(true);
    await store.write(`${categoryName}-1`, { type: "A", data: 1 });
    await eventually("the message handled", () => seen.length >= 1);
    await Promise.all([subscription.stop(), subscription.stop()]);
    await subscription[Symbol.asyncDispose]();
    expect(subscription.running).toBe(false);
    await store.write(`${categoryName}-1`, { type: "A", data: 2 });
    await sleep(QUIET_MS);
    expect(seen).toEqual([1]);
  });

  test("close() stops the store's subscriptions", async () => {
    const store = await newStore();
    const categoryName = `sub${uniqueId()}`;
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      handlers: { A: () => {} },
    });
    await subscription.start();
    await store.close();
    expect(subscription.running).toBe(false);
  });
}
