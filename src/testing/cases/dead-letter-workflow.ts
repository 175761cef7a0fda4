/** Dead letters as a workflow: list them, re-drive them to the consumer that failed them, discard them. */
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { RecordedMessage } from "../../message.ts";
import type { MessageStore } from "../../store.ts";
import type { Subscription } from "../../subscribe/types.ts";
import { eventually, readCategory, sleep, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

const QUIET_MS = 300;

interface Failing {
  readonly subscription: Subscription;
  /** Successful handlings by message id. */
  readonly handled: Map<string, number>;
  /** Ids whose handler throws while `broken` holds them. */
  readonly broken: Set<string>;
  /** Every successfully handled message, in order. */
  readonly seen: RecordedMessage[];
}

function failingSubscription(
  store: MessageStore,
  categoryName: string,
  consumer: string,
  deadLetter: string,
): Failing {
  const handled = new Map<string, number>();
  const seen: RecordedMessage[] = [];
  const broken = new Set<string>();
  const subscription = store.subscribe(categoryName, {
    consumer,
    maxAttempts: 3,
    retryDelay: 0,
    deadLetter,
    handlers: {
      Job: (message) => {
        if (broken.has(message.id)) throw new Error(`job ${String(message.data)} is broken`);
        handled.set(message.id, (handled.get(message.id) ?? 0) + 1);
        seen.push(message);
      },
    },
  });
  return { subscription, handled, seen, broken };
}

export function deadLetterWorkflowCases({ store: newStore, test }: SuiteContext): void {
  test("a message failed 3 times is listed, re-driven once fixed, handled once, stream unchanged", async () => {
    const store = await newStore();
    const categoryName = `wf${uniqueId()}`;
    const deadLetter = `dlq${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    const failing = failingSubscription(store, categoryName, consumer, deadLetter);
    const id = randomUUID();
    failing.broken.add(id);
    await failing.subscription.start();
    const stream = `${categoryName}-7`;
    const written = await store.write(stream, [
      { type: "Job", data: 1 },
      { id, type: "Job", data: 2, metadata: { traceId: "t-1" } },
    ]);
    // The message as the handler first saw it; its dead letter and its re-drive must match.
    const original = {
      type: "Job",
      data: 2,
      metadata: { traceId: "t-1" },
      streamName: stream,
      category: categoryName,
      streamId: "7",
      position: 1,
      globalPosition: written.globalPosition,
    };
    await eventually("a dead letter", async () => (await store.deadLetters(deadLetter)).length > 0);
    await sleep(QUIET_MS);
    const letters = await store.deadLetters(deadLetter);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      streamName: stream,
      consumer,
      attempts: 3,
      reason: "failed",
      error: "job 2 is broken",
      originalSequence: written.globalPosition,
      message: { id, ...original },
    });
    expect(letters[0]?.time).toBeInstanceOf(Date);
    // The message is the original, time included; the record's own time is the dead letter's.
    const [, stored] = await store.get(stream);
    expect(letters[0]?.message?.time.getTime()).toBe(stored?.time.getTime());
    expect(await store.deadLetters(deadLetter, { consumer: "someone-else" })).toEqual([]);
    const versionBefore = await store.version(stream);

    failing.broken.delete(id);
    const redriven = await store.redrive(deadLetter, { consumer });
    expect(redriven.map((record) => record.message?.id)).toEqual([id]);
    await eventually("the re-driven message handled", () => failing.handled.get(id) === 1);
    await sleep(QUIET_MS);
    expect(failing.handled.get(id)).toBe(1);
    // The re-driven message is the original, as the first delivery had it.
    expect(failing.seen.find((message) => message.id === id)).toMatchObject(original);
    expect(await store.version(stream)).toBe(versionBefore);
    expect((await store.get(stream)).map((message) => message.data)).toEqual([1, 2]);
    expect(await store.deadLetters(deadLetter)).toEqual([]);
    expect(await store.redrive(deadLetter)).toEqual([]);
    await sleep(QUIET_MS);
    expect(failing.handled.get(id)).toBe(1);
  });

  test("a re-drive waits for the consumer and skips dead letters the filter refuses", async () => {
    const store = await newStore();
    const categoryName = `wf${uniqueId()}`;
    const deadLetter = `dlq${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    const failing = failingSubscription(store, categoryName, consumer, deadLetter);
    const [keep, skip] = [randomUUID(), randomUUID()];
    failing.broken.add(keep);
    failing.broken.add(skip);
    await failing.subscription.start();
    await store.write(`${categoryName}-1`, { id: keep, type: "Job", data: 1 });
    await store.write(`${categoryName}-2`, { id: skip, type: "Job", data: 2 });
    await eventually(
      "2 dead letters",
      async () => (await store.deadLetters(deadLetter)).length === 2,
    );
    await failing.subscription.stop();
    failing.broken.clear();
    const redriven = await store.redrive(deadLetter, {
      filter: (record) => record.message?.id === keep,
    });
    expect(redriven).toHaveLength(1);
    expect((await store.deadLetters(deadLetter)).map((record) => record.message?.id)).toEqual([
      skip,
    ]);
    // Not running while re-driven: the next subscription of the consumer picks it up.
    const again = failingSubscription(store, categoryName, consumer, deadLetter);
    await again.subscription.start();
    await eventually("the re-driven message handled", () => again.handled.get(keep) === 1);
    await sleep(QUIET_MS);
    expect(again.handled.get(skip)).toBeUndefined();
  });

  test("discardDeadLetter removes one dead letter", async () => {
    const store = await newStore();
    const categoryName = `wf${uniqueId()}`;
    const deadLetter = `dlq${uniqueId()}`;
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      deadLetter,
      handlers: { Job: (_message, context) => context.terminate("not wanted") },
    });
    await subscription.start();
    await store.write(`${categoryName}-1`, [
      { type: "Job", data: 1 },
      { type: "Job", data: 2 },
    ]);
    await eventually(
      "2 dead letters",
      async () => (await store.deadLetters(deadLetter)).length === 2,
    );
    const [first, second] = await store.deadLetters(deadLetter);
    expect(first).toMatchObject({ reason: "terminated", error: "not wanted", attempts: 1 });
    expect(await store.discardDeadLetter(deadLetter, first?.deadLetterPosition ?? 0)).toBe(true);
    expect(await store.deadLetters(deadLetter)).toEqual([second]);
    expect(await store.discardDeadLetter(deadLetter, first?.deadLetterPosition ?? 0)).toBe(false);
    expect((await readCategory(store, deadLetter)).map((message) => message.data)).toEqual([2]);
  });
}
