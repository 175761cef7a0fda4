import { afterEach, describe, expect, it, vi } from "vitest";
import { connect } from "../../src/connect.ts";
import { isInvalidOptionsError } from "../../src/errors.ts";
import { runUntilSignal } from "../../src/index.ts";
import type { MessageStore } from "../../src/store.ts";
import { cardinalIdOf } from "../../src/stream-name.ts";
import { fnv1a32, groupDurableName, groupMemberFor } from "../../src/subscribe/group.ts";
import { resolveConsumeOptions, resolveSubscribeOptions } from "../../src/subscribe/options.ts";
import { withJitter } from "../../src/subscribe/retry-delay.ts";
import type { SubscribeOptions } from "../../src/subscribe/types.ts";
import { EventChannel } from "../../src/util/event-channel.ts";

const patiently = { timeout: 10_000, interval: 10 };
const valid: SubscribeOptions = { consumer: "worker", handlers: { Opened: () => {} } };

let store: MessageStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe("group hash (the vectors of docs/consumers.md)", () => {
  it.each([
    ["", 0x811c9dc5],
    ["a", 0xe40c292c],
    ["foobar", 0xbf9cf968],
    ["123", 0x7238631b],
    ["account-1", 0x3aa68c96],
    ["ünïcödé", 0x30eaf7d2],
  ])("FNV-1a 32 of %j is %i", (text, hash) => {
    expect(fnv1a32(text)).toBe(hash);
  });

  it("picks the member as the hash modulo the size, from the cardinal id", () => {
    expect([2, 3, 4].map((size) => groupMemberFor("123", size))).toEqual([1, 2, 3]);
    expect(cardinalIdOf("123+456")).toBe("123");
    expect(cardinalIdOf("123")).toBe("123");
    expect(groupDurableName("projector", { member: 1, size: 3 })).toBe("projector-1of3");
  });
});

describe("consumer options", () => {
  it("resolves concurrency, the group's durable name and jitter", () => {
    const resolved = resolveSubscribeOptions({
      ...valid,
      concurrency: 8,
      group: { member: 2, size: 3 },
      retryDelay: 100,
      retryJitter: 0,
    });
    expect(resolved).toMatchObject({
      consumer: "worker-2of3",
      concurrency: 8,
      group: { member: 2, size: 3 },
    });
    expect(resolved.retryDelay(1)).toBe(100);
    expect(resolveSubscribeOptions(valid).concurrency).toBe(1);
  });

  it.each([
    { concurrency: 0 },
    { concurrency: 1.5 },
    { group: { member: 3, size: 3 } },
    { group: { member: -1, size: 3 } },
    { group: { member: 0, size: 0 } },
    { group: 3 },
    { retryJitter: 1.5 },
    { retryJitter: -0.1 },
  ])("refuses %j", (options) => {
    let caught: unknown;
    try {
      resolveSubscribeOptions({ ...valid, ...options } as SubscribeOptions);
    } catch (error) {
      caught = error;
    }
    expect(isInvalidOptionsError(caught)).toBe(true);
  });

  it("refuses handlers and concurrency in consume()", () => {
    for (const extra of [{ handlers: {} }, { concurrency: 2 }]) {
      expect(() => resolveConsumeOptions({ consumer: "c", ...extra })).toThrow(/unknown option/);
    }
  });

  it("jitter spreads the policy's delay by up to the fraction either way", () => {
    const policy = (): number => 1000;
    expect(withJitter(policy, 0.2, () => 0)(1)).toBe(800);
    expect(withJitter(policy, 0.2, () => 0.5)(1)).toBe(1000);
    expect(withJitter(policy, 0.2, () => 1)(1)).toBe(1200);
    expect(withJitter(policy, 0, () => 0)(1)).toBe(1000);
  });
});

describe("status event channel", () => {
  it("gives each reader the events after it began, and ends a reader at its stop event", async () => {
    const channel = new EventChannel<string>();
    channel.publish("before");
    const reader = channel.iterate((event) => event === "stop");
    channel.publish("one");
    channel.publish("stop");
    channel.publish("after");
    const read: string[] = [];
    for await (const event of reader) read.push(event);
    expect(read).toEqual(["one", "stop"]);
  });

  it("drops a slow reader's oldest events past its limit", async () => {
    const channel = new EventChannel<number>(2);
    const reader = channel.iterate();
    for (const n of [1, 2, 3]) channel.publish(n);
    channel.end();
    const read: number[] = [];
    for await (const n of reader) read.push(n);
    expect(read).toEqual([2, 3]);
  });
});

describe("runUntilSignal", () => {
  it("starts the subscriptions, drains them on the signal and removes its listeners", async () => {
    store = await connect("memory:");
    const handled: number[] = [];
    const subscription = store.subscribe("job", {
      consumer: "worker",
      handlers: { Run: (message) => void handled.push(message.data as number) },
    });
    const listenersBefore = process.listenerCount("SIGUSR2");
    const running = runUntilSignal(subscription, { signals: ["SIGUSR2"] });
    await store.write("job-1", { type: "Run", data: 1 });
    await vi.waitFor(() => expect(handled).toEqual([1]), patiently);
    expect(subscription.running).toBe(true);
    process.kill(process.pid, "SIGUSR2");
    await expect(running).resolves.toBe("SIGUSR2");
    expect(subscription.running).toBe(false);
    expect(process.listenerCount("SIGUSR2")).toBe(listenersBefore);
  });
});

describe("ordered concurrency on the memory backend", () => {
  it("a stopped subscription hands back the messages it held without handling them", async () => {
    store = await connect("memory:");
    for (let index = 0; index < 5; index += 1) {
      await store.write("slow-1", { type: "Step", data: index });
    }
    const handled: number[] = [];
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const options: SubscribeOptions = {
      consumer: "stepper",
      concurrency: 4,
      handlers: {
        Step: async (message) => {
          if (message.data === 0) await blocked;
          handled.push(message.data as number);
        },
      },
    };
    const first = store.subscribe("slow", options);
    await first.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = first.stop();
    release();
    await stopping;
    // Only the head ran: the rest of its stream waited behind it and was handed back.
    expect(handled).toEqual([0]);
    const second = store.subscribe("slow", options);
    await second.start();
    await vi.waitFor(() => expect(handled).toEqual([0, 1, 2, 3, 4]), patiently);
    await second.stop();
  });
});
