import { afterEach, describe, expect, it } from "vitest";
import type { Backend, ConsumerSource, Delivery } from "../../src/backend.ts";
import { isStreamFullError, isStreamNotFoundError } from "../../src/errors.ts";
import type { RecordedMessage } from "../../src/message.ts";
import { resolveOptions } from "../../src/options.ts";
import { MessageStore } from "../../src/store.ts";
import { parseTarget } from "../../src/stream-name.ts";
import { appendEach, memoryBackend, nextDelivery, prepared, stream } from "./fixtures.ts";

let backend: Backend;

afterEach(async () => {
  await backend.close();
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function consume(consumer: string): ConsumerSource {
  return backend.consume({
    target: parseTarget("account"),
    consumer,
    batchSize: 10,
    ackWaitMs: 30_000,
  });
}

describe("memory backend storage", () => {
  it("keeps stored messages safe from callers that mutate what they read", async () => {
    backend = memoryBackend();
    const store = new MessageStore(backend, resolveOptions());
    await store.write("account-1", { type: "Opened", data: { owner: { name: "Ada" } } });
    const [read] = await store.get("account-1");
    if (read === undefined) throw new Error("nothing read");
    (read.data as { owner: { name: string } }).owner.name = "Mallory";
    (read.metadata as Record<string, unknown>).injected = true;
    const [again] = await store.get("account-1");
    expect(again?.data).toEqual({ owner: { name: "Ada" } });
    expect(again?.metadata).toEqual({});
  });

  it("hands out a copy of the raw body with each delivery", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A");
    const delivery = await nextDelivery(consume("worker"));
    delivery.raw.body.fill(0);
    const [message] = await collect(backend.readCategory("account", 1, Infinity));
    expect(message?.type).toBe("A");
  });

  it("refuses a write past maxBytes and stores none of it", async () => {
    backend = memoryBackend();
    const first = prepared("A");
    await backend.ensureCategory("account", {
      positionGuard: true,
      maxBytes: first.body.length * 2,
      replicas: 1,
    });
    await backend.append(stream("account-1"), [first], "any");
    const write = backend.append(stream("account-1"), [prepared("B"), prepared("C")], "any");
    await expect(write).rejects.toSatisfy(isStreamFullError);
    expect(await backend.version(stream("account-1"))).toBe(0);
    const [stats] = (await backend.categories?.()) ?? [];
    expect(stats).toMatchObject({ storage: "account", messages: 1, bytes: first.body.length });
  });

  it("refuses a write to a category never ensured when createMissingStreams is off", async () => {
    backend = memoryBackend({ createMissingStreams: false });
    const write = backend.append(stream("account-1"), [prepared("A")], "any");
    await expect(write).rejects.toSatisfy(
      (error: unknown) => isStreamNotFoundError(error) && error.stream === "account",
    );
    await backend.ensureCategory("account", {
      positionGuard: true,
      maxBytes: undefined,
      replicas: 1,
    });
    await expect(backend.append(stream("account-1"), [prepared("A")], "any")).resolves.toEqual({
      position: 0,
      globalPosition: 1,
    });
  });

  it("skips a malformed body in category reads", async () => {
    backend = memoryBackend();
    const body = new TextEncoder().encode("not json");
    await backend.append(stream("account-1"), [{ ...prepared("A"), body }], "any");
    await appendEach(backend, "account-1", "B");
    const messages = await collect(backend.readCategory("account", 1, Infinity));
    expect(messages.map((message) => message.globalPosition)).toEqual([2]);
  });
});

describe("memory dead letters", () => {
  async function deadLetterOf(delivery: Delivery): Promise<void> {
    await backend.deadLetter({
      category: "dlq",
      delivery,
      reason: "failed",
      error: "boom",
      attempts: 3,
      consumer: "worker",
    });
  }

  it("stores the original message, outside every stream of the dead-letter category", async () => {
    backend = memoryBackend({ createMissingStreams: false });
    await backend.ensureCategory("account", {
      positionGuard: true,
      maxBytes: undefined,
      replicas: 1,
    });
    await appendEach(backend, "account-7", "A", "B");
    const source = consume("worker");
    await (await nextDelivery(source)).ack();
    const delivery = await nextDelivery(source);
    await deadLetterOf(delivery);
    await deadLetterOf(delivery);

    const letters = await collect(backend.readCategory("dlq", 1, Infinity));
    const original = delivery.message as RecordedMessage;
    const { globalPosition: _g, time: _t, ...identity } = original;
    expect(letters).toHaveLength(2);
    expect(letters[1]).toMatchObject({ ...identity, globalPosition: 2 });
    expect(await backend.version(stream("dlq-account"))).toBe(-1);

    const [record] = await collect(backend.deadLetters("dlq"));
    expect(record).toMatchObject({
      reason: "failed",
      error: "boom",
      attempts: 3,
      consumer: "worker",
      streamName: "account-7",
      originalSequence: 2,
      deadLetterPosition: 1,
    });
    expect(record?.message?.id).toBe(original.id);
  });
});

describe("memory tail", () => {
  it("starts at the first message stored at or after sinceTimeMs", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "Before");
    const since = performance.timeOrigin + performance.now();
    await appendEach(backend, "account-1", "After");
    const controller = new AbortController();
    const seen: string[] = [];
    const tail = (async () => {
      for await (const message of backend.tail(
        parseTarget("account"),
        { sinceTimeMs: since },
        controller.signal,
      )) {
        seen.push(message.type);
        if (seen.length === 2) controller.abort();
      }
    })();
    await appendEach(backend, "account-2", "Live");
    await tail;
    expect(seen).toEqual(["After", "Live"]);
  });

  it("follows one stream from a global position", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A");
    await appendEach(backend, "account-2", "B");
    await appendEach(backend, "account-1", "C");
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const message of backend.tail(
      parseTarget("account-1"),
      { afterGlobalPosition: 1 },
      controller.signal,
    )) {
      seen.push(message.globalPosition);
      controller.abort();
    }
    expect(seen).toEqual([3]);
  });

  it("ends a waiting tail when its signal aborts or the backend closes", async () => {
    backend = memoryBackend();
    const controller = new AbortController();
    const byAbort = collect(
      backend.tail(parseTarget("account"), { afterGlobalPosition: 0 }, controller.signal),
    );
    const byClose = collect(
      backend.tail(parseTarget("other"), { afterGlobalPosition: 0 }, new AbortController().signal),
    );
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    expect(await byAbort).toEqual([]);
    await backend.close();
    expect(await byClose).toEqual([]);
  });
});
