/** Dead letters: after the last attempt, on terminate(), and what they carry. */

import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { RecordedMessage } from "../../message.ts";
import { eventually, readCategory, sleep, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

const QUIET_MS = 300;

export function deadLetterCases({ store: newStore, test }: SuiteContext): void {
  test("after maxAttempts failures: exactly one dead letter with the original message", async () => {
    const store = await newStore();
    const categoryName = `dl${uniqueId()}`;
    const deadLetter = `dlq${uniqueId()}`;
    const attempts: [number, boolean][] = [];
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      maxAttempts: 3,
      retryDelay: 0,
      deadLetter,
      handlers: {
        Doomed: (_message, context) => {
          attempts.push([context.attempt, context.isLastAttempt]);
          throw new Error("always fails");
        },
      },
    });
    await subscription.start();
    const id = randomUUID();
    await store.write(`${categoryName}-42`, {
      id,
      type: "Doomed",
      data: { amount: 5 },
      metadata: { traceId: "trace-1" },
    });
    await eventually(
      "a dead letter",
      async () => (await readCategory(store, deadLetter)).length > 0,
    );
    await sleep(QUIET_MS);
    expect(attempts).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    const letters = await readCategory(store, deadLetter);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      id,
      type: "Doomed",
      data: { amount: 5 },
      metadata: { traceId: "trace-1" },
      streamName: `${categoryName}-42`,
      category: categoryName,
      streamId: "42",
    });
    expect(letters[0]?.globalPosition).toBeGreaterThanOrEqual(1);
  });

  test("terminate() dead-letters once with reason terminated and never redelivers", async () => {
    const store = await newStore();
    const categoryName = `dl${uniqueId()}`;
    const deadLetter = `dlq${uniqueId()}`;
    const consumer = `c${uniqueId()}`;
    const calls: string[] = [];
    const subscription = store.subscribe(categoryName, {
      consumer,
      maxAttempts: 5,
      retryDelay: 0,
      deadLetter,
      handlers: {
        Poison: (message, context) => {
          calls.push(message.type);
          context.terminate("not for us");
        },
        Marker: (message) => void calls.push(message.type),
      },
    });
    await subscription.start();
    await store.write(`${categoryName}-1`, { type: "Poison", data: { x: 1 } });
    await eventually(
      "a dead letter",
      async () => (await readCategory(store, deadLetter)).length > 0,
    );
    await store.write(`${categoryName}-1`, { type: "Marker" });
    await eventually("the marker", () => calls.includes("Marker"));
    await sleep(QUIET_MS);
    await subscription.stop();
    expect(calls).toEqual(["Poison", "Marker"]);
    const letters = await readCategory(store, deadLetter);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      type: "Poison",
      data: { x: 1 },
      streamName: `${categoryName}-1`,
    });
    // Not redelivered to the same consumer later either.
    const later: string[] = [];
    const resumed = store.subscribe(categoryName, {
      consumer,
      handlers: { Poison: (m) => void later.push(m.type), Marker: (m) => void later.push(m.type) },
    });
    await resumed.start();
    await sleep(QUIET_MS);
    expect(later).toEqual([]);
  });

  test("a message that failed every attempt without a deadLetter category is not redelivered", async () => {
    const store = await newStore();
    const categoryName = `dl${uniqueId()}`;
    const seen: string[] = [];
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      maxAttempts: 2,
      retryDelay: 0,
      handlers: {
        Doomed: (message) => {
          seen.push(message.type);
          throw new Error("nope");
        },
        Marker: (message) => void seen.push(message.type),
      },
    });
    await subscription.start();
    await store.write(`${categoryName}-1`, { type: "Doomed" });
    await eventually("2 attempts", () => seen.filter((t) => t === "Doomed").length >= 2);
    await store.write(`${categoryName}-1`, { type: "Marker" });
    await eventually("the marker", () => seen.includes("Marker"));
    await sleep(QUIET_MS);
    expect(seen.filter((t) => t === "Doomed")).toHaveLength(2);
  });

  test("dead letters of a category with '-' keep their category and stream id", async () => {
    const store = await newStore();
    const categoryName = `import-podcast${uniqueId()}:command`;
    const deadLetter = `dlq${uniqueId()}`;
    const subscription = store.subscribe(
      { category: categoryName },
      {
        consumer: `c${uniqueId()}`,
        maxAttempts: 1,
        deadLetter,
        handlers: {
          Import: () => {
            throw new Error("bad import");
          },
        },
      },
    );
    await subscription.start();
    await store.write({ category: categoryName, id: "65a1" }, { type: "Import", data: "u" });
    let letters: RecordedMessage[] = [];
    await eventually("a dead letter", async () => {
      letters = await readCategory(store, deadLetter);
      return letters.length > 0;
    });
    expect(letters[0]).toMatchObject({
      type: "Import",
      data: "u",
      category: categoryName,
      streamId: "65a1",
      streamName: `${categoryName}-65a1`,
    });
  });
}
