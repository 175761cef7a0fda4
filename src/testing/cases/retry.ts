/** Handler retries: attempt counting and the three forms of `retryDelay`. */
import { expect } from "vitest";
import type { MessageStore } from "../../store.ts";
import type { RetryDelay } from "../../subscribe/types.ts";
import { eventually, readCategory, sleep, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

// Timers may fire a little early relative to Date.now(); lower bounds allow for that.
const TIMER_SLACK_MS = 5;

interface Attempt {
  readonly attempt: number;
  readonly isLastAttempt: boolean;
  readonly at: number;
}

/** Runs a handler that fails `failures` times, then succeeds; returns what it saw. */
async function attemptsUntilSuccess(
  store: MessageStore,
  failures: number,
  retryDelay: RetryDelay,
  maxAttempts: number,
): Promise<Attempt[]> {
  const categoryName = `retry${uniqueId()}`;
  const attempts: Attempt[] = [];
  const subscription = store.subscribe(categoryName, {
    consumer: `c${uniqueId()}`,
    maxAttempts,
    retryDelay,
    deadLetter: `dlq${uniqueId()}`,
    handlers: {
      Flaky: (_message, context) => {
        attempts.push({
          attempt: context.attempt,
          isLastAttempt: context.isLastAttempt,
          at: Date.now(),
        });
        if (attempts.length <= failures) throw new Error(`failure ${attempts.length}`);
      },
    },
  });
  await subscription.start();
  await store.write(`${categoryName}-1`, { type: "Flaky" });
  await eventually(`${failures + 1} attempts`, () => attempts.length >= failures + 1);
  await sleep(200);
  await subscription.stop();
  return attempts;
}

function gaps(attempts: readonly Attempt[]): number[] {
  return attempts.slice(1).map((a, n) => a.at - (attempts[n]?.at ?? a.at));
}

export function retryCases({ store: newStore, test }: SuiteContext): void {
  test("a failed handler is retried with attempt 1..n until it succeeds", async () => {
    const store = await newStore();
    const attempts = await attemptsUntilSuccess(store, 2, 0, 5);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.map((a) => a.isLastAttempt)).toEqual([false, false, false]);
  });

  test("isLastAttempt is true on attempt maxAttempts", async () => {
    const store = await newStore();
    const attempts = await attemptsUntilSuccess(store, 2, 0, 3);
    expect(attempts.map((a) => [a.attempt, a.isLastAttempt])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  test("retryDelay as a number delays every redelivery", async () => {
    const store = await newStore();
    const attempts = await attemptsUntilSuccess(store, 2, 40, 5);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    for (const gap of gaps(attempts)) expect(gap).toBeGreaterThanOrEqual(40 - TIMER_SLACK_MS);
  });

  test("retryDelay as an array is indexed by attempt and its last value repeats", async () => {
    const store = await newStore();
    const attempts = await attemptsUntilSuccess(store, 3, [20, 80], 5);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const [first, second, third] = gaps(attempts);
    expect(first).toBeGreaterThanOrEqual(20 - TIMER_SLACK_MS);
    expect(second).toBeGreaterThanOrEqual(80 - TIMER_SLACK_MS);
    expect(third).toBeGreaterThanOrEqual(80 - TIMER_SLACK_MS);
  });

  test("retryDelay as a function is called with the failed attempt", async () => {
    const store = await newStore();
    const asked: number[] = [];
    const attempts = await attemptsUntilSuccess(
      store,
      2,
      (attempt) => {
        asked.push(attempt);
        return 30 * attempt;
      },
      5,
    );
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(asked).toEqual([1, 2]);
    const [first, second] = gaps(attempts);
    expect(first).toBeGreaterThanOrEqual(30 - TIMER_SLACK_MS);
    expect(second).toBeGreaterThanOrEqual(60 - TIMER_SLACK_MS);
  });

  test("a message that succeeds on a retry is not dead-lettered", async () => {
    const store = await newStore();
    const categoryName = `retry${uniqueId()}`;
    const deadLetter = `dlq${uniqueId()}`;
    let calls = 0;
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      maxAttempts: 3,
      retryDelay: 0,
      deadLetter,
      handlers: {
        Flaky: () => {
          calls += 1;
          if (calls === 1) throw new Error("once");
        },
      },
    });
    await subscription.start();
    await store.write(`${categoryName}-1`, { type: "Flaky" });
    await eventually("the retry", () => calls >= 2);
    await sleep(300);
    expect(calls).toBe(2);
    expect(await readCategory(store, deadLetter)).toEqual([]);
  });

  test("ctx.retry() asks for a redelivery and counts as an attempt", async () => {
    const store = await newStore();
    const categoryName = `retry${uniqueId()}`;
    const attempts: number[] = [];
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      maxAttempts: 5,
      retryDelay: 0,
      handlers: {
        Later: (_message, context) => {
          attempts.push(context.attempt);
          if (context.attempt < 3) context.retry({ delayMs: 20 });
        },
      },
    });
    await subscription.start();
    await store.write(`${categoryName}-1`, { type: "Later" });
    await eventually("3 attempts", () => attempts.length >= 3);
    await sleep(300);
    expect(attempts).toEqual([1, 2, 3]);
  });
}
