import { afterEach, describe, expect, it, vi } from "vitest";
import { connect } from "../../src/connect.ts";
import { isInvalidOptionsError } from "../../src/errors.ts";
import type { RecordedMessage } from "../../src/message.ts";
import type { MessageStore } from "../../src/store.ts";
import { deferred, readCategory } from "../../src/testing/helpers.ts";

/** How long `vi.waitFor` polls for an asynchronous outcome (a safety net, not a timing target). */
const patiently = { timeout: 10_000, interval: 10 };

let store: MessageStore;

afterEach(async () => {
  await store?.close();
});

async function memoryStore(): Promise<MessageStore> {
  store = await connect("memory:");
  return store;
}

describe("subscription on the memory backend", () => {
  it("runs the handler maxAttempts times, then dead-letters the message exactly once", async () => {
    const s = await memoryStore();
    const attempts: number[] = [];
    const sub = s.subscribe("acct", {
      consumer: "fails",
      maxAttempts: 3,
      retryDelay: 0,
      deadLetter: "dlq",
      handlers: {
        Opened: (_m, ctx) => {
          attempts.push(ctx.attempt);
          throw new Error(`attempt ${ctx.attempt} failed`);
        },
      },
    });
    const written = await s.write("acct-1", { type: "Opened", data: { n: 1 } });
    await sub.start();
    await vi.waitFor(async () => expect(await readCategory(s, "dlq")).toHaveLength(1), patiently);
    await sub.stop();
    expect(attempts).toEqual([1, 2, 3]);
    const [letter] = await readCategory(s, "dlq");
    const [original] = await s.get("acct-1");
    expect(letter).toMatchObject({
      id: original?.id,
      type: "Opened",
      data: { n: 1 },
      streamName: "acct-1",
      category: "acct",
      streamId: "1",
    });
    expect(written.position).toBe(0);
  });

  it("dead-letters a terminated message once and never redelivers it", async () => {
    const s = await memoryStore();
    let calls = 0;
    const sub = s.subscribe("acct", {
      consumer: "terminates",
      deadLetter: "dlq",
      retryDelay: 0,
      handlers: {
        Opened: (_m, ctx) => {
          calls += 1;
          ctx.terminate("not wanted");
        },
        Marker: () => {},
      },
    });
    await s.write("acct-1", { type: "Opened" });
    await sub.start();
    await vi.waitFor(async () => expect(await readCategory(s, "dlq")).toHaveLength(1), patiently);
    // A later message handled proves the consumer moved on; the terminated one stays dead.
    const marker = await s.write("acct-1", { type: "Marker" });
    await sub.stop();
    await sub.start();
    await s.write("acct-1", { type: "Marker" });
    await vi.waitFor(async () => expect((await readCategory(s, "acct")).length).toBe(3), patiently);
    await sub.stop();
    expect(calls).toBe(1);
    expect(marker.position).toBe(1);
    expect(await readCategory(s, "dlq")).toHaveLength(1);
  });

  it("redelivers after a failure and acks once the handler succeeds", async () => {
    const s = await memoryStore();
    const attempts: number[] = [];
    const sub = s.subscribe("acct", {
      consumer: "flaky",
      retryDelay: [0],
      deadLetter: "dlq",
      handlers: {
        Opened: (_m, ctx) => {
          attempts.push(ctx.attempt);
          if (!ctx.isLastAttempt) throw new Error("not yet");
        },
      },
    });
    await s.write("acct-1", { type: "Opened" });
    await sub.start();
    await vi.waitFor(() => expect(attempts).toEqual([1, 2, 3]), patiently);
    await sub.stop();
    expect(await readCategory(s, "dlq")).toHaveLength(0);
  });

  it("acks a message whose type has no handler, so it is not delivered again", async () => {
    const s = await memoryStore();
    const handled: string[] = [];
    const first = s.subscribe("acct", {
      consumer: "picky",
      handlers: { Opened: (m) => void handled.push(m.type) },
    });
    await s.write("acct-1", [{ type: "Unknown" }, { type: "Opened" }]);
    await first.start();
    await vi.waitFor(() => expect(handled).toEqual(["Opened"]), patiently);
    await first.stop();
    const second = s.subscribe("acct", {
      consumer: "picky",
      handlers: {
        Opened: (m) => void handled.push(m.type),
        Unknown: (m) => void handled.push(m.type),
      },
    });
    await second.start();
    await s.write("acct-1", { type: "Opened" });
    await vi.waitFor(() => expect(handled).toEqual(["Opened", "Opened"]), patiently);
    await second.stop();
  });

  it("stop() waits for the handler in flight and acks its message", async () => {
    const s = await memoryStore();
    const gate = deferred();
    let started = 0;
    let finished = 0;
    const sub = s.subscribe("acct", {
      consumer: "slow",
      handlers: {
        Opened: async () => {
          started += 1;
          await gate.promise;
          finished += 1;
        },
      },
    });
    await s.write("acct-1", { type: "Opened" });
    await sub.start();
    await vi.waitFor(() => expect(started).toBe(1), patiently);
    let stopped = false;
    const stopping = sub.stop().then(() => {
      stopped = true;
    });
    expect(sub.stop()).toBeInstanceOf(Promise);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    expect(sub.running).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(1);
    // Restarted under the same name, the acked message is not handled again.
    await sub.start();
    await s.write("acct-1", { type: "Opened" });
    await vi.waitFor(() => expect(started).toBe(2), patiently);
    await sub.stop();
    expect(finished).toBe(2);
  });

  it("start() is idempotent and shares the promise in flight", async () => {
    const s = await memoryStore();
    let calls = 0;
    const sub = s.subscribe("acct", { consumer: "once", handlers: { Opened: () => void calls++ } });
    await Promise.all([sub.start(), sub.start()]);
    await sub.start();
    expect(sub.running).toBe(true);
    await s.write("acct-1", { type: "Opened" });
    await s.write("acct-2", { type: "Opened" });
    await vi.waitFor(() => expect(calls).toBe(2), patiently);
    await Promise.all([sub.stop(), sub.stop()]);
    await sub.stop();
    expect(sub.running).toBe(false);
    expect(calls).toBe(2);
  });

  it("shares messages between subscriptions with the same consumer name", async () => {
    const s = await memoryStore();
    const seen: number[] = [];
    const handlers = { Opened: (m: RecordedMessage) => void seen.push(m.globalPosition) };
    const a = s.subscribe("acct", { consumer: "shared", handlers });
    const b = s.subscribe("acct", { consumer: "shared", handlers });
    await Promise.all([a.start(), b.start()]);
    for (let n = 0; n < 20; n++) await s.write(`acct-${n}`, { type: "Opened" });
    await vi.waitFor(() => expect(seen).toHaveLength(20), patiently);
    await Promise.all([a.stop(), b.stop()]);
    expect(new Set(seen).size).toBe(20);
  });

  it("follows one stream when subscribed to a stream", async () => {
    const s = await memoryStore();
    const streams: string[] = [];
    const sub = s.subscribe("acct-2", {
      consumer: "one",
      handlers: { Opened: (m) => void streams.push(m.streamName) },
    });
    await sub.start();
    await s.write("acct-1", { type: "Opened" });
    await s.write("acct-2", { type: "Opened" });
    await s.write("acct-22", { type: "Opened" });
    await vi.waitFor(() => expect(streams).toEqual(["acct-2"]), patiently);
    await sub.stop();
  });

  it("refuses bad options at subscribe()", async () => {
    const s = await memoryStore();
    let caught: unknown;
    try {
      s.subscribe("acct", { consumer: "a.b", handlers: {} });
    } catch (error) {
      caught = error;
    }
    expect(isInvalidOptionsError(caught)).toBe(true);
  });

  it("supports await using", async () => {
    const s = await memoryStore();
    let calls = 0;
    {
      await using sub = s.subscribe("acct", {
        consumer: "disposed",
        handlers: { Opened: () => void calls++ },
      });
      await sub.start();
      await s.write("acct-1", { type: "Opened" });
      await vi.waitFor(() => expect(calls).toBe(1), patiently);
      expect(sub.running).toBe(true);
    }
    await s.write("acct-1", { type: "Opened" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(1);
  });
});
