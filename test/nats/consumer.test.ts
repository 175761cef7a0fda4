import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect } from "../../src/connect.ts";
import type { RecordedMessage } from "../../src/message.ts";
import type { MessageStore } from "../../src/store.ts";
import type { Subscription } from "../../src/subscribe/types.ts";
import { deferred } from "../../src/testing/helpers.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";

/** How long `vi.waitFor` polls for an asynchronous outcome (a safety net, not a timing target). */
const patiently = { timeout: 10_000, interval: 10 };

const opened: MessageStore[] = [];

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((store) => store.close()));
});

async function natsStore(prefix: string, url = natsUrl()): Promise<MessageStore> {
  const store = await connect(url, { prefix });
  opened.push(store);
  return store;
}

function collecting(
  store: MessageStore,
  consumer: string,
  seen: RecordedMessage[],
  target = "acct",
): Subscription {
  return store.subscribe(target, {
    consumer,
    batchSize: 5,
    handlers: { Opened: (message) => void seen.push(message) },
  });
}

describe.skipIf(!hasNats())("NATS durable consumer", () => {
  it("creates a durable pull consumer with explicit acks and no delivery limit", async () => {
    const prefix = uniquePrefix("consumer_config");
    const store = await natsStore(prefix);
    const seen: RecordedMessage[] = [];
    const sub = store.subscribe("acct-7", {
      consumer: "configured",
      ackWaitMs: 12_000,
      handlers: { Opened: (message) => void seen.push(message) },
    });
    await store.write("acct-7", { type: "Opened" });
    await sub.start();
    await vi.waitFor(() => expect(seen).toHaveLength(1), patiently);
    const connection = await natsConnect({ servers: natsUrl() });
    try {
      const manager = await jetstreamManager(connection);
      const info = await manager.consumers.info(`${prefix}-acct`, "configured");
      expect(info.config).toMatchObject({
        durable_name: "configured",
        ack_policy: "explicit",
        deliver_policy: "all",
        ack_wait: 12_000 * 1_000_000,
        max_deliver: -1,
        filter_subjects: [`${prefix}.acct.7`, `${prefix}.acct.7.>`],
      });
    } finally {
      await connection.close();
    }
    await sub.stop();
  });

  it("shares one consumer between two processes starting it at once: each message handled once", async () => {
    const prefix = uniquePrefix("consumer_shared");
    const [first, second] = [await natsStore(prefix), await natsStore(prefix)];
    const seen: RecordedMessage[] = [];
    const subs = [collecting(first, "shared", seen), collecting(second, "shared", seen)];
    await first.ensureCategory("acct");
    await Promise.all(subs.map((sub) => sub.start()));
    for (let n = 0; n < 30; n++) await first.write(`acct-${n}`, { type: "Opened" });
    await vi.waitFor(() => expect(seen).toHaveLength(30), patiently);
    await Promise.all(subs.map((sub) => sub.stop()));
    expect(new Set(seen.map((message) => message.globalPosition)).size).toBe(30);
  });

  it("resumes after stop where it left off, in a new process", async () => {
    const prefix = uniquePrefix("consumer_resume");
    const store = await natsStore(prefix);
    const seen: RecordedMessage[] = [];
    const first = collecting(store, "resume", seen);
    await store.write("acct-1", [{ type: "Opened" }, { type: "Opened" }]);
    await first.start();
    await vi.waitFor(() => expect(seen).toHaveLength(2), patiently);
    await first.stop();
    await store.write("acct-1", { type: "Opened" });
    const later = await natsStore(prefix);
    const second = collecting(later, "resume", seen);
    await second.start();
    await vi.waitFor(() => expect(seen).toHaveLength(3), patiently);
    await second.stop();
    expect(seen.map((message) => message.position)).toEqual([0, 1, 2]);
  });

  it("redelivers a failed message with its delivery count as the attempt", async () => {
    const prefix = uniquePrefix("consumer_attempts");
    const store = await natsStore(prefix);
    const attempts: number[] = [];
    const sub = store.subscribe("acct", {
      consumer: "attempts",
      retryDelay: 0,
      handlers: {
        Opened: (_message, context) => {
          attempts.push(context.attempt);
          if (!context.isLastAttempt) throw new Error("again");
        },
      },
    });
    await store.write("acct-1", { type: "Opened" });
    await sub.start();
    await vi.waitFor(() => expect(attempts).toEqual([1, 2, 3]), patiently);
    await sub.stop();
  });

  it("stop() lets the handler in flight finish and acks its message on the server", async () => {
    const prefix = uniquePrefix("consumer_drain");
    const store = await natsStore(prefix);
    const gate = deferred();
    const calls: number[] = [];
    const handlers = {
      Opened: async (message: RecordedMessage) => {
        calls.push(message.position);
        await gate.promise;
      },
    };
    const first = store.subscribe("acct", { consumer: "drain", handlers });
    await store.write("acct-1", { type: "Opened" });
    await first.start();
    await vi.waitFor(() => expect(calls).toEqual([0]), patiently);
    const stopping = first.stop();
    gate.resolve();
    await stopping;
    await store.write("acct-1", { type: "Opened" });
    const second = store.subscribe("acct", { consumer: "drain", handlers });
    await second.start();
    await vi.waitFor(() => expect(calls).toEqual([0, 1]), patiently);
    await second.stop();
  });

  it("recreates its consumer when it is deleted on the server", async () => {
    const prefix = uniquePrefix("consumer_deleted");
    const store = await natsStore(prefix);
    const seen: RecordedMessage[] = [];
    const sub = collecting(store, "phoenix", seen);
    await store.write("acct-1", { type: "Opened" });
    await sub.start();
    await vi.waitFor(() => expect(seen).toHaveLength(1), patiently);
    const connection = await natsConnect({ servers: natsUrl() });
    try {
      const manager = await jetstreamManager(connection);
      await manager.consumers.delete(`${prefix}-acct`, "phoenix");
      await store.write("acct-1", { type: "Opened" });
      await vi.waitFor(() => expect(seen.map((m) => m.position)).toContain(1), {
        ...patiently,
        timeout: 30_000,
      });
    } finally {
      await connection.close();
    }
    await sub.stop();
  });
});
