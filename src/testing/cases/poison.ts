/**
 * Poison messages (issue 11): whatever a handler throws, a body that is not JSON, a handler
 * that never settles. Each is retried and dead-lettered with a reason, and the subscription
 * goes on with the next message; nothing stays in flight.
 */
import { expect } from "vitest";
import type { MessageStore } from "../../store.ts";
import type { SubscribeOptions, Subscription } from "../../subscribe/types.ts";
import { eventually, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

const cyclic: Record<string, unknown> = { name: "loop" };
cyclic.self = cyclic;

function errorWithUnreadableMessage(): Error {
  const error = new Error("hidden");
  Object.defineProperty(error, "message", {
    get() {
      throw new Error("no message for you");
    },
  });
  return error;
}

/** What each stream's handler throws, and the error text its dead letter must carry. */
const THROWN: readonly [string, () => unknown, RegExp][] = [
  ["bigint", () => 12n, /^12n$/],
  ["cyclic", () => cyclic, /object/i],
  ["unreadable", errorWithUnreadableMessage, /could not be read/],
  ["null", () => null, /^null$/],
  ["undefined", () => undefined, /^undefined$/],
  ["string", () => "just a string", /^just a string$/],
  ["number", () => 42, /^42$/],
  ["error", () => new Error("an ordinary error"), /^an ordinary error$/],
];

function subscribeTo(
  store: MessageStore,
  category: string,
  options: Omit<SubscribeOptions, "consumer">,
): Subscription {
  return store.subscribe(category, { consumer: `c${uniqueId()}`, ...options });
}

async function settledAll(store: MessageStore, category: string, consumer: string): Promise<void> {
  await eventually("nothing left in flight", async () => {
    const info = await store.consumerInfo(category, consumer);
    return info !== undefined && info.inFlight === 0 && info.pending === 0;
  });
}

export function poisonCases(context: SuiteContext): void {
  const { store: newStore, test } = context;

  test("every kind of thrown value is retried, then dead-lettered with its text; the subscription goes on", async () => {
    const store = await newStore();
    const category = `poison${uniqueId()}`;
    const deadLetter = `dlq${uniqueId()}`;
    const attempts = new Map<string, number>();
    const handled: string[] = [];
    const subscription = subscribeTo(store, category, {
      maxAttempts: 2,
      retryDelay: 0,
      deadLetter,
      handlers: {
        Poison: (message) => {
          const kind = (message.data as { kind: string }).kind;
          attempts.set(kind, (attempts.get(kind) ?? 0) + 1);
          const thrown = THROWN.find(([name]) => name === kind)?.[1];
          throw thrown?.();
        },
        Fine: (message) => {
          handled.push(message.streamName);
        },
      },
    });
    for (const [kind] of THROWN) {
      await store.write(`${category}-${kind}`, { type: "Poison", data: { kind } });
    }
    await store.write(`${category}-after`, { type: "Fine", data: {} });
    await subscription.start();
    await eventually("the message after the poison handled", () => handled.length === 1);
    await eventually(
      "a dead letter per kind",
      async () => (await store.deadLetters(deadLetter)).length === THROWN.length,
    );
    await settledAll(store, category, subscription.consumer);
    await subscription.stop();
    const letters = await store.deadLetters(deadLetter);
    for (const [kind, , text] of THROWN) {
      expect(attempts.get(kind), kind).toBe(2);
      const letter = letters.find((record) => record.streamName === `${category}-${kind}`);
      expect(letter?.reason, kind).toBe("failed");
      expect(letter?.attempts, kind).toBe(2);
      expect(letter?.error, kind).toMatch(text);
    }
    expect(handled).toEqual([`${category}-after`]);
  });

  const malformed =
    "a body that is not JSON is dead-lettered as malformed and the next message is handled";
  const writeRawBody = context.writeRawBody;
  if (writeRawBody === undefined) {
    context.skipped(malformed, "the backend gives the suite no raw writer");
  } else {
    test(malformed, async () => {
      const store = await newStore();
      const category = `poison${uniqueId()}`;
      const deadLetter = `dlq${uniqueId()}`;
      const handled: string[] = [];
      let calls = 0;
      const subscription = subscribeTo(store, category, {
        deadLetter,
        handlers: {
          Raw: () => {
            calls += 1;
          },
          Fine: (message) => {
            handled.push(message.streamName);
          },
        },
      });
      await writeRawBody(store, `${category}-bad`, new TextEncoder().encode("{not json at all"));
      await store.write(`${category}-good`, { type: "Fine", data: {} });
      await subscription.start();
      await eventually("the next message handled", () => handled.length === 1);
      await eventually(
        "the malformed dead letter",
        async () => (await store.deadLetters(deadLetter)).length === 1,
      );
      await settledAll(store, category, subscription.consumer);
      await subscription.stop();
      const [letter] = await store.deadLetters(deadLetter);
      expect(letter?.reason).toBe("malformed");
      expect(letter?.message).toBeUndefined();
      expect(letter?.streamName).toBe(`${category}-bad`);
      expect(calls).toBe(0);
    });
  }

  test("a handler that never settles times out (handlerTimeoutMs), is dead-lettered, and stop() returns", async () => {
    const store = await newStore();
    const category = `poison${uniqueId()}`;
    const deadLetter = `dlq${uniqueId()}`;
    const handled: string[] = [];
    let hung = 0;
    const subscription = subscribeTo(store, category, {
      maxAttempts: 2,
      retryDelay: 0,
      handlerTimeoutMs: 150,
      deadLetter,
      handlers: {
        Hang: () => {
          hung += 1;
          return new Promise<void>(() => {});
        },
        Fine: (message) => {
          handled.push(message.streamName);
        },
      },
    });
    await store.write(`${category}-1`, { type: "Hang", data: {} });
    await store.write(`${category}-1`, { type: "Fine", data: {} });
    await subscription.start();
    await eventually("the message behind the hung one handled", () => handled.length === 1);
    const [letter] = await store.deadLetters(deadLetter);
    expect(letter).toMatchObject({ reason: "failed", attempts: 2 });
    expect(letter?.error).toMatch(/handlerTimeoutMs/);
    expect(hung).toBe(2);
    // One more that hangs: stop() waits for it at most about the timeout, then hands it back.
    await store.write(`${category}-2`, { type: "Hang", data: {} });
    await eventually("the next hung handler running", () => hung === 3);
    const started = Date.now();
    await subscription.stop();
    expect(Date.now() - started).toBeLessThan(5000);
  });
}
