/** Small tools the cases share: unique names, waiting for a condition, collecting iterables. */
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { RecordedMessage } from "../message.ts";
import type { MessageStore } from "../store.ts";

/** A stream id no other test uses, so cases never see each other's messages. */
export function uniqueId(): string {
  return randomUUID().replaceAll("-", "").slice(0, 16);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

export async function readCategory(
  store: MessageStore,
  categoryName: string,
  options: { fromGlobalPosition?: number; maxCount?: number } = {},
): Promise<RecordedMessage[]> {
  return collect(store.readCategory(categoryName, options));
}

/**
 * Polls `check` until it returns `true`, failing with `what` after `timeoutMs`. Subscriptions
 * deliver asynchronously; this waits for an outcome instead of guessing a sleep.
 */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Awaits `action` and returns what it threw, failing the test when it did not throw. */
export async function thrownBy(
  action: () => Promise<unknown> | unknown,
  what = "the call",
): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  expect.fail(`expected ${what} to throw, but it returned`);
}

/** Messages as comparable plain data: what a case checks after a refused write. */
export function summary(messages: readonly RecordedMessage[]): unknown[] {
  return messages.map(({ id, type, data, metadata, position }) => ({
    id,
    type,
    data,
    metadata,
    position,
  }));
}
