import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { connect } from "../../src/connect.ts";
import type { MessageStore } from "../../src/store.ts";
import { collect } from "../../src/testing/helpers.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";

/** How long `vi.waitFor` polls for an asynchronous outcome (a safety net, not a timing target). */
const patiently = { timeout: 10_000, interval: 10 };

let raw: NatsConnection;
let manager: JetStreamManager;
const opened: MessageStore[] = [];

beforeAll(async () => {
  if (!hasNats()) return;
  raw = await natsConnect({ servers: natsUrl() });
  manager = await jetstreamManager(raw);
});

afterAll(async () => {
  await raw?.close();
});

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((store) => store.close()));
});

async function natsStore(prefix: string): Promise<MessageStore> {
  const store = await connect(natsUrl(), { prefix });
  opened.push(store);
  return store;
}

async function storedCount(stream: string): Promise<number> {
  try {
    return (await manager.streams.info(stream)).state.messages;
  } catch {
    return 0;
  }
}

describe.skipIf(!hasNats())("NATS dead letters", () => {
  it("publishes the original bytes on the dead-letter subject with the reason headers", async () => {
    const prefix = uniquePrefix("dead_letter");
    const store = await natsStore(prefix);
    const sub = store.subscribe("acct", {
      consumer: "worker",
      maxAttempts: 2,
      retryDelay: 0,
      deadLetter: "dlq",
      handlers: {
        Opened: () => {
          throw new Error("boom\nsecond line");
        },
      },
    });
    await store.write("acct-1", { type: "Opened", data: { n: 1 }, metadata: { trace: "x" } });
    await sub.start();
    await vi.waitFor(async () => expect(await storedCount(`${prefix}-dlq`)).toBe(1), patiently);
    await sub.stop();

    const original = await manager.streams.getMessage(`${prefix}-acct`, { seq: 1 });
    const letter = await manager.streams.getMessage(`${prefix}-dlq`, { seq: 1 });
    expect(letter?.subject).toBe(`${prefix}.dlq.acct.1.0`);
    expect(letter?.data).toEqual(original?.data);
    expect(letter?.header.get("Ms-Dead-Letter-Reason")).toBe("failed");
    expect(letter?.header.get("Ms-Dead-Letter-Error")).toBe("boom second line");
    expect(letter?.header.get("Ms-Dead-Letter-Attempts")).toBe("2");
    expect(letter?.header.get("Ms-Dead-Letter-Consumer")).toBe("worker");
    expect(letter?.header.get("Ms-Original-Stream")).toBe("acct-1");
    expect(letter?.header.get("Ms-Original-Sequence")).toBe("1");

    const read = (await collect(store.readCategory("dlq")))[0];
    const [written] = await store.get("acct-1");
    expect(read).toMatchObject({
      id: written?.id,
      type: "Opened",
      data: { n: 1 },
      metadata: { trace: "x" },
      streamName: "acct-1",
      category: "acct",
      streamId: "1",
      globalPosition: 1,
    });
  });

  it("dead-letters one message twice without the position guard refusing the second", async () => {
    const prefix = uniquePrefix("dead_letter_twice");
    const store = await natsStore(prefix);
    const terminating = (consumer: string) =>
      store.subscribe("acct", {
        consumer,
        deadLetter: "dlq",
        handlers: { Opened: (_message, context) => context.terminate(`stopped by ${consumer}`) },
      });
    await store.write("acct-1", { type: "Opened" });
    const subs = [terminating("first"), terminating("second")];
    await Promise.all(subs.map((sub) => sub.start()));
    await vi.waitFor(async () => expect(await storedCount(`${prefix}-dlq`)).toBe(2), patiently);
    await Promise.all(subs.map((sub) => sub.stop()));
    const info = await manager.streams.info(`${prefix}-dlq`);
    expect(info.config.max_msgs_per_subject).not.toBe(1);
    const reasons = await Promise.all(
      [1, 2].map(async (seq) => {
        const letter = await manager.streams.getMessage(`${prefix}-dlq`, { seq });
        return `${letter?.header.get("Ms-Dead-Letter-Reason")}: ${letter?.header.get("Ms-Dead-Letter-Error")}`;
      }),
    );
    expect(reasons.sort()).toEqual([
      "terminated: stopped by first",
      "terminated: stopped by second",
    ]);
  });

  it("dead-letters a malformed body as malformed, naming its stream from the subject", async () => {
    const prefix = uniquePrefix("dead_letter_malformed");
    const store = await natsStore(prefix);
    await store.ensureCategory("acct");
    const body = new TextEncoder().encode("not json at all");
    const js = (await jetstreamManager(raw)).jetstream();
    await js.publish(`${prefix}.acct.9.0`, body);
    let calls = 0;
    const sub = store.subscribe("acct", {
      consumer: "worker",
      deadLetter: "dlq",
      handlers: { Opened: () => void calls++ },
    });
    await sub.start();
    await vi.waitFor(async () => expect(await storedCount(`${prefix}-dlq`)).toBe(1), patiently);
    await sub.stop();
    const letter = await manager.streams.getMessage(`${prefix}-dlq`, { seq: 1 });
    expect(letter?.data).toEqual(body);
    expect(letter?.header.get("Ms-Dead-Letter-Reason")).toBe("malformed");
    expect(letter?.header.get("Ms-Original-Stream")).toBe("acct-9");
    expect(calls).toBe(0);
  });
});
