/**
 * Consumers at scale: ordered concurrency, consumer groups, the `consume()` iterator and
 * status events. Each case checks an invariant over a whole run, not a timing.
 */
import { expect } from "vitest";
import type { MessageStore } from "../../store.ts";
import { cardinalIdOf } from "../../stream-name.ts";
import { groupMemberFor } from "../../subscribe/group.ts";
import type { ConsumedMessage, SubscriptionStatus } from "../../subscribe/types.ts";
import { eventually, readCategory, sleep, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

const randomMs = (max: number): number => Math.floor(Math.random() * (max + 1));

/** Writes `perStream` messages to each stream, round by round, so the category interleaves them. */
async function writeInterleaved(
  store: MessageStore,
  streams: readonly string[],
  perStream: number,
): Promise<void> {
  for (let index = 0; index < perStream; index += 1) {
    await Promise.all(streams.map((stream) => store.write(stream, { type: "N", data: index })));
  }
}

export function consumersAtScaleCases({ store: newStore, test }: SuiteContext): void {
  test(
    "concurrency 8 over 20 streams × 50: each stream in order, each message handled once, at most 8 in flight",
    async () => {
      const store = await newStore();
      const categoryName = `ord${uniqueId()}`;
      const streams = Array.from({ length: 20 }, (_, index) => `${categoryName}-s${index}`);
      await writeInterleaved(store, streams, 50);

      const handled = new Map<string, number[]>(streams.map((stream) => [stream, []]));
      const active = new Set<string>();
      const violations: string[] = [];
      let inFlight = 0;
      let peak = 0;
      let failures = 0;
      const subscription = store.subscribe(categoryName, {
        consumer: `c${uniqueId()}`,
        concurrency: 8,
        batchSize: 20,
        retryDelay: () => randomMs(20),
        handlers: {
          N: async (message, ctx) => {
            const stream = message.streamName;
            const index = message.data as number;
            const done = handled.get(stream) ?? [];
            if (active.has(stream)) violations.push(`${stream} handled twice at once`);
            if (index !== done.length)
              violations.push(`${stream}: got ${index}, expected ${done.length}`);
            active.add(stream);
            inFlight += 1;
            peak = Math.max(peak, inFlight);
            try {
              await sleep(randomMs(5));
              // A few injected failures, each on its first attempt only.
              if (index % 13 === 5 && ctx.attempt === 1) {
                failures += 1;
                throw new Error(`injected failure of ${stream}/${index}`);
              }
              done.push(index);
            } finally {
              inFlight -= 1;
              active.delete(stream);
            }
          },
        },
      });
      await subscription.start();
      const total = (): number => [...handled.values()].reduce((sum, list) => sum + list.length, 0);
      await eventually("1000 messages handled", () => total() >= 1000, 60_000);
      await subscription.stop();

      expect(violations).toEqual([]);
      for (const stream of streams) {
        expect(handled.get(stream), stream).toEqual(Array.from({ length: 50 }, (_, i) => i));
      }
      expect(failures).toBe(20 * 4);
      expect(peak).toBeLessThanOrEqual(8);
      expect(peak).toBeGreaterThan(1);
    },
    { timeoutMs: 90_000 },
  );

  test("a group of 3 partitions a category by the documented hash of the cardinal id", async () => {
    const store = await newStore();
    const categoryName = `grp${uniqueId()}`;
    const streams = Array.from({ length: 30 }, (_, index) =>
      // Compound ids: the part before "+" decides the member.
      index % 5 === 0 ? `${categoryName}-e${index}+x${index}` : `${categoryName}-e${index}`,
    );
    await writeInterleaved(store, streams, 3);
    const consumer = `c${uniqueId()}`;
    const handledBy = new Map<string, Set<number>>();
    let count = 0;
    const members = [0, 1, 2].map((member) =>
      store.subscribe(categoryName, {
        consumer,
        group: { member, size: 3 },
        handlers: {
          N: (message) => {
            const owners = handledBy.get(message.streamName) ?? new Set<number>();
            owners.add(member);
            handledBy.set(message.streamName, owners);
            count += 1;
          },
        },
      }),
    );
    expect(members.map((member) => member.consumer)).toEqual([
      `${consumer}-0of3`,
      `${consumer}-1of3`,
      `${consumer}-2of3`,
    ]);
    await Promise.all(members.map((member) => member.start()));
    await eventually("90 messages handled", () => count >= 90, 30_000);
    await sleep(200);
    await Promise.all(members.map((member) => member.stop()));

    expect(count).toBe(90);
    expect([...handledBy.keys()].sort()).toEqual([...streams].sort());
    for (const stream of streams) {
      const owners = [...(handledBy.get(stream) ?? [])];
      const streamId = stream.slice(categoryName.length + 1);
      expect(owners, stream).toEqual([groupMemberFor(cardinalIdOf(streamId), 3)]);
    }
    // A partition of 30 streams over 3 members that leaves one idle would prove little.
    expect(new Set([...handledBy.values()].flatMap((owners) => [...owners])).size).toBe(3);
  });

  test("consume() retries a nak, dead-letters after maxAttempts and counts an unsettled item as a failure", async () => {
    const store = await newStore();
    const categoryName = `pull${uniqueId()}`;
    const dlq = `dlq${uniqueId()}`;
    const stream = `${categoryName}-1`;
    await store.write(stream, [
      { type: "Ok" },
      { type: "TwiceNaked" },
      { type: "AlwaysNaked" },
      { type: "LeftAlone" },
      { type: "Last" },
    ]);
    const seen: string[] = [];
    const items = store.consume(categoryName, {
      consumer: `c${uniqueId()}`,
      maxAttempts: 3,
      retryDelay: 0,
      deadLetter: dlq,
    });
    let previous: ConsumedMessage | undefined;
    for await (const item of items) {
      const { message, attempt } = item;
      seen.push(`${message.type}#${attempt}`);
      // Acking a handed-out item late changes nothing: it was settled as a failure already.
      if (previous !== undefined) await previous.ack();
      previous = undefined;
      if (message.type === "TwiceNaked" && attempt < 3) item.nak();
      else if (message.type === "AlwaysNaked") item.nak(0);
      else if (message.type === "LeftAlone" && attempt === 1) previous = item;
      else await item.ack();
      if (message.type === "Last") break;
    }
    expect(seen).toEqual([
      "Ok#1",
      "TwiceNaked#1",
      "TwiceNaked#2",
      "TwiceNaked#3",
      "AlwaysNaked#1",
      "AlwaysNaked#2",
      "AlwaysNaked#3",
      "LeftAlone#1",
      "LeftAlone#2",
      "Last#1",
    ]);
    await eventually("one dead letter", async () => (await readCategory(store, dlq)).length >= 1);
    const letters = await readCategory(store, dlq);
    expect(letters.map((letter) => letter.type)).toEqual(["AlwaysNaked"]);
  });

  test("consume() with terminate() dead-letters at once, and leaving the loop hands the item back", async () => {
    const store = await newStore();
    const categoryName = `pull${uniqueId()}`;
    const dlq = `dlq${uniqueId()}`;
    await store.write(`${categoryName}-1`, [{ type: "Poison" }, { type: "Kept" }]);
    const consumer = `c${uniqueId()}`;
    const options = { consumer, deadLetter: dlq, retryDelay: 0, ackWaitMs: 60_000 };
    for await (const item of store.consume(categoryName, options)) {
      if (item.message.type === "Poison") await item.terminate("bad data");
      else break;
    }
    const letters = await readCategory(store, dlq);
    expect(letters.map((letter) => letter.type)).toEqual(["Poison"]);
    // "Kept" was handed back (not acked): the same consumer gets it again, on a later attempt.
    for await (const item of store.consume(categoryName, options)) {
      expect(item.message.type).toBe("Kept");
      expect(item.attempt).toBe(2);
      await item.ack();
      break;
    }
  });

  test("status() reports started, handler errors, dead letters and stopped, apart from the messages", async () => {
    const store = await newStore();
    const categoryName = `stat${uniqueId()}`;
    const dlq = `dlq${uniqueId()}`;
    const subscription = store.subscribe(categoryName, {
      consumer: `c${uniqueId()}`,
      maxAttempts: 2,
      retryDelay: 0,
      deadLetter: dlq,
      handlers: {
        Bad: () => {
          throw new Error("always fails");
        },
      },
    });
    const events: SubscriptionStatus[] = [];
    const reading = (async () => {
      for await (const event of subscription.status()) events.push(event);
    })();
    await subscription.start();
    const [written] = await store
      .write(`${categoryName}-1`, { type: "Bad" })
      .then(async () => store.get(`${categoryName}-1`));
    await eventually("a dead-lettered event", () =>
      events.some((event) => event.type === "dead-lettered"),
    );
    await subscription.stop();
    // The reader ends by itself after "stopped".
    await reading;

    const types = events.map((event) => event.type).filter((type) => type !== "connected");
    expect(types).toEqual([
      "started",
      "handler-error",
      "handler-error",
      "dead-lettered",
      "stopped",
    ]);
    expect(events.find((event) => event.type === "handler-error")).toMatchObject({
      messageId: written?.id,
      streamName: `${categoryName}-1`,
      attempt: 1,
    });
    expect(events.find((event) => event.type === "dead-lettered")).toMatchObject({
      reason: "failed",
      messageId: written?.id,
      attempts: 2,
      deadLetter: dlq,
    });
  });
}
