import { afterEach, describe, expect, it } from "vitest";
import { epochNanos, rfc3339Nanos } from "../../src/backends/nats/tail.ts";
import { connect } from "../../src/connect.ts";
import type { RecordedMessage } from "../../src/message.ts";
import type { MessageStore } from "../../src/store.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";

const opened: MessageStore[] = [];

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((store) => store.close()));
});

async function natsStore(label: string): Promise<MessageStore> {
  const store = await connect(natsUrl(), { prefix: uniquePrefix(label) });
  opened.push(store);
  return store;
}

/** Takes `count` messages from a tail, then aborts it. */
async function take(
  messages: AsyncIterable<RecordedMessage>,
  count: number,
  controller: AbortController,
): Promise<RecordedMessage[]> {
  const taken: RecordedMessage[] = [];
  for await (const message of messages) {
    taken.push(message);
    if (taken.length === count) controller.abort();
  }
  return taken;
}

describe("RFC 3339 start times", () => {
  it("keeps sub-millisecond precision, rounding up to the microsecond", () => {
    const nanos = epochNanos(Date.UTC(2024, 4, 1, 10, 0, 0, 123) + 0.4567);
    expect(nanos % 1_000_000n).toBe(457_000n);
    expect(rfc3339Nanos(nanos)).toBe("2024-05-01T10:00:00.123457000Z");
    expect(rfc3339Nanos(epochNanos(Date.UTC(2024, 4, 1, 10, 0, 0, 999) + 0.9999999))).toBe(
      "2024-05-01T10:00:01.000000000Z",
    );
  });
});

describe.skipIf(!hasNats())("NATS tail", () => {
  it("yields existing messages after a global position, then live ones", async () => {
    const store = await natsStore("tail_from");
    await store.write("acct-1", [{ type: "A" }, { type: "B" }, { type: "C" }]);
    const controller = new AbortController();
    const taking = take(
      store.tail("acct", { fromGlobalPosition: 2, signal: controller.signal }),
      3,
      controller,
    );
    await store.write("acct-2", { type: "D" });
    const taken = await taking;
    expect(taken.map((m) => [m.type, m.globalPosition])).toEqual([
      ["B", 2],
      ["C", 3],
      ["D", 4],
    ]);
  });

  it("follows one stream only when given a stream", async () => {
    const store = await natsStore("tail_stream");
    const controller = new AbortController();
    const taking = take(
      store.tail("acct-2", { fromGlobalPosition: 1, signal: controller.signal }),
      2,
      controller,
    );
    await store.write("acct-1", { type: "Other" });
    await store.write("acct-22", { type: "Other" });
    await store.write("acct-2", [{ type: "Mine" }, { type: "Mine" }]);
    const taken = await taking;
    expect(taken.map((m) => m.streamName)).toEqual(["acct-2", "acct-2"]);
  });

  it("waits for a category whose stream does not exist yet", async () => {
    const store = await natsStore("tail_missing");
    const controller = new AbortController();
    const taking = take(
      store.tail("fresh", { fromGlobalPosition: 1, signal: controller.signal }),
      1,
      controller,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await store.write("fresh-1", { type: "First" });
    expect((await taking).map((m) => m.type)).toEqual(["First"]);
  });

  it("ends when its signal aborts while waiting for messages", async () => {
    const store = await natsStore("tail_abort");
    await store.ensureCategory("acct");
    const controller = new AbortController();
    const taking = take(store.tail("acct", { signal: controller.signal }), 1, controller);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect(await taking).toEqual([]);
  });

  it("waitFor counts only messages written after the call, even in the same millisecond", async () => {
    const store = await natsStore("tail_since");
    for (let round = 0; round < 5; round++) {
      await store.write("acct-1", { type: "Before" });
      const waiting = store.waitFor("acct-1", () => true, { timeoutMs: 5000 });
      await store.write("acct-1", { type: "After" });
      expect((await waiting).type).toBe("After");
    }
  });
});
