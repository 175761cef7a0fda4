import { afterEach, describe, expect, it } from "vitest";
import type { Backend, ConsumerSpec, Delivery } from "../../src/backend.ts";
import { isMalformedMessageError } from "../../src/errors.ts";
import { parseTarget } from "../../src/stream-name.ts";
import {
  appendEach,
  deliversWithin,
  memoryBackend,
  nextDelivery,
  sleep,
  stream,
} from "./fixtures.ts";

let backend: Backend;

afterEach(async () => {
  await backend.close();
});

function spec(consumer: string, overrides: Partial<ConsumerSpec> = {}): ConsumerSpec {
  return {
    target: parseTarget("account"),
    consumer,
    batchSize: 10,
    ackWaitMs: 30_000,
    ...overrides,
  };
}

const typeOf = (delivery: Delivery): string | undefined => delivery.message?.type;

describe("memory consumers", () => {
  it("shares one durable consumer between sources with the same name", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A", "B", "C", "D");
    const first = backend.consume(spec("worker"));
    const second = backend.consume(spec("worker"));
    const seen: string[] = [];
    for (let turn = 0; turn < 2; turn++) {
      for (const source of [first, second]) {
        const delivery = await nextDelivery(source);
        seen.push(`${typeOf(delivery)}`);
        await delivery.ack();
      }
    }
    expect(seen.sort()).toEqual(["A", "B", "C", "D"]);
    expect(await deliversWithin(first, 20)).toBe(false);

    const other = backend.consume(spec("auditor"));
    expect(typeOf(await nextDelivery(other))).toBe("A");
  });

  it("resumes after the last acked message when a source rejoins", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A", "B");
    const first = backend.consume(spec("worker"));
    await (await nextDelivery(first)).ack();
    await first.close();
    const again = backend.consume(spec("worker"));
    expect(typeOf(await nextDelivery(again))).toBe("B");
  });

  it("holds at most batchSize unacked deliveries per source", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A", "B", "C");
    const source = backend.consume(spec("worker", { batchSize: 2 }));
    const a = await nextDelivery(source);
    await nextDelivery(source);
    const third = nextDelivery(source);
    let settled = false;
    void third.then(() => {
      settled = true;
    });
    await sleep(20);
    expect(settled).toBe(false);
    await a.ack();
    expect(typeOf(await third)).toBe("C");
  });

  it("delivers later messages while a naked one waits out its delay", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A", "B");
    const source = backend.consume(spec("worker"));
    const a = await nextDelivery(source);
    a.nak(60_000);
    const b = await nextDelivery(source);
    expect(typeOf(b)).toBe("B");
    await b.ack();
    expect(await deliversWithin(source, 30)).toBe(false);
  });

  it("redelivers a naked message after its delay, counting the delivery", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A");
    const source = backend.consume(spec("worker"));
    const first = await nextDelivery(source);
    expect(first.deliveryCount).toBe(1);
    first.nak(20);
    const second = await nextDelivery(source);
    expect(typeOf(second)).toBe("A");
    expect(second.deliveryCount).toBe(2);
    expect(second.message?.id).toBe(first.message?.id);
  });

  it("puts a due redelivery before new messages", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A", "B");
    const source = backend.consume(spec("worker"));
    (await nextDelivery(source)).nak(0);
    expect(typeOf(await nextDelivery(source))).toBe("A");
  });

  it("redelivers an unacked message after ackWaitMs, to any source", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A");
    const slow = backend.consume(spec("worker", { ackWaitMs: 30 }));
    const first = await nextDelivery(slow);
    const other = backend.consume(spec("worker"));
    const again = await nextDelivery(other);
    expect(typeOf(again)).toBe("A");
    expect(again.deliveryCount).toBe(2);
    // The timed-out delivery can no longer nak; the live one decides.
    first.nak(0);
    expect(await deliversWithin(slow, 30)).toBe(false);
  });

  it("keeps a message while inProgress restarts the ack timer", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A");
    const holder = backend.consume(spec("worker", { ackWaitMs: 200 }));
    const delivery = await nextDelivery(holder);
    const watcher = backend.consume(spec("worker", { ackWaitMs: 200 }));
    const next = watcher[Symbol.asyncIterator]().next();
    let redelivered = false;
    void next.then((result) => {
      redelivered = !result.done;
    });
    for (let tick = 0; tick < 20; tick++) {
      await sleep(20);
      delivery.inProgress();
    }
    expect(redelivered).toBe(false);
    const result = await next;
    expect(result.done).toBe(false);
    expect(result.value?.deliveryCount).toBe(2);
  });

  it("never redelivers a termed or acked message", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A", "B");
    const source = backend.consume(spec("worker", { ackWaitMs: 20 }));
    (await nextDelivery(source)).term();
    await (await nextDelivery(source)).ack();
    expect(await deliversWithin(source, 60)).toBe(false);
  });

  it("ends a pending next() on close and redelivers its unacked messages after ackWaitMs", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A");
    const source = backend.consume(spec("worker", { ackWaitMs: 30 }));
    await nextDelivery(source);
    const pending = source[Symbol.asyncIterator]().next();
    await source.close();
    expect((await pending).done).toBe(true);
    const successor = backend.consume(spec("worker", { ackWaitMs: 30 }));
    const again = await nextDelivery(successor);
    expect(again.deliveryCount).toBe(2);
  });

  it("consumes one stream when the target names one", async () => {
    backend = memoryBackend();
    await appendEach(backend, "account-1", "A");
    await appendEach(backend, "account-2", "B");
    const source = backend.consume(spec("worker", { target: parseTarget("account-2") }));
    const delivery = await nextDelivery(source);
    expect(delivery.message?.streamName).toBe("account-2");
    expect(delivery.raw).toMatchObject({
      storage: "account",
      sequence: 2,
      destination: "account-2",
    });
  });

  it("wakes a waiting source when a message is written", async () => {
    backend = memoryBackend();
    const source = backend.consume(spec("worker"));
    const next = nextDelivery(source);
    await appendEach(backend, "account-9", "Late");
    expect(typeOf(await next)).toBe("Late");
  });

  it("delivers a malformed body with an error instead of a message", async () => {
    backend = memoryBackend();
    const body = new TextEncoder().encode('{"data":1}');
    await backend.append(
      stream("account-1"),
      [{ id: "x", type: "T", data: 1, metadata: {}, body }],
      "any",
    );
    const delivery = await nextDelivery(backend.consume(spec("worker")));
    expect(delivery.message).toBeUndefined();
    expect(isMalformedMessageError(delivery.error)).toBe(true);
    expect(new TextDecoder().decode(delivery.raw.body)).toBe('{"data":1}');
  });

  it("ends every consumer iterator when the backend closes", async () => {
    backend = memoryBackend();
    const source = backend.consume(spec("worker"));
    const pending = source[Symbol.asyncIterator]().next();
    await backend.close();
    expect((await pending).done).toBe(true);
    expect((await backend.consume(spec("late"))[Symbol.asyncIterator]().next()).done).toBe(true);
  });
});
