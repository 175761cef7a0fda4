/**
 * The re-drive feed on NATS: its durable is opened only once a re-drive for the consumer
 * exists, and subscriptions that share a dead-letter category and start at one instant all
 * get their re-driven messages (a feed once hung in `jetstream.consumers.get()` there).
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect } from "../../src/connect.ts";
import type { MessageStore } from "../../src/store.ts";
import type { Subscription } from "../../src/subscribe/types.ts";
import { hasNats, natsUrl, uniquePrefix } from "../support/nats.ts";

const patiently = { timeout: 15_000, interval: 20 };
/** Rounds of the simultaneous start; `MESSAGE_STORE_SOAK=1` runs a longer profile. */
const ROUNDS = process.env.MESSAGE_STORE_SOAK === "1" ? 20 : 3;
const SUBSCRIPTIONS = 6;

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((item) => item.close()));
});

async function store(prefix: string): Promise<MessageStore> {
  const made = await connect(natsUrl(), { prefix });
  opened.push(made);
  return made;
}

async function durableNames(connection: NatsConnection, storage: string): Promise<string[]> {
  const manager = await jetstreamManager(connection);
  const names: string[] = [];
  try {
    for await (const info of manager.consumers.list(storage)) names.push(info.name);
  } catch {
    // No such stream: no durables.
  }
  return names.sort();
}

/** A subscription whose handler fails while `broken` is set; counts what it handled. */
function worker(target: MessageStore, category: string, consumer: string, deadLetter: string) {
  const state = { broken: true, handled: 0 };
  const subscription: Subscription = target.subscribe(category, {
    consumer,
    maxAttempts: 1,
    deadLetter,
    handlers: {
      Job: () => {
        if (state.broken) throw new Error("broken for now");
        state.handled += 1;
      },
    },
  });
  return { state, subscription };
}

describe.skipIf(!hasNats())("NATS re-drive feed", () => {
  it("opens no re-drive durable, nor the dead-letter stream, until a re-drive exists", async () => {
    const prefix = uniquePrefix("redrive_lazy");
    const messages = await store(prefix);
    const connection = await natsConnect({ servers: natsUrl() });
    opened.push(connection);
    const { state, subscription } = worker(messages, "acct", "lazy", "dlq");
    await messages.write("acct-1", { type: "Job" });
    await subscription.start();
    await vi.waitFor(
      async () => expect(await messages.deadLetters("dlq")).toHaveLength(1),
      patiently,
    );
    expect(await durableNames(connection, `${prefix}-acct`)).toEqual(["lazy"]);
    expect(await durableNames(connection, `${prefix}-dlq`)).toEqual([]);
    state.broken = false;
    await messages.redrive("dlq");
    await vi.waitFor(() => expect(state.handled).toBe(1), patiently);
    expect(await durableNames(connection, `${prefix}-dlq`)).toHaveLength(1);
    await subscription.stop();
  });

  it(`${SUBSCRIPTIONS} subscriptions sharing a dead-letter category, started at one instant, all get their re-drives (${ROUNDS} rounds)`, {
    timeout: 60_000 * ROUNDS,
  }, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const prefix = uniquePrefix("redrive_race");
      const stores = await Promise.all(Array.from({ length: SUBSCRIPTIONS }, () => store(prefix)));
      const workers = stores.map((target, index) => worker(target, "acct", `w${index}`, "dlq"));
      await stores[0]?.ensureCategory("acct");
      await Promise.all(workers.map(({ subscription }) => subscription.start()));
      await stores[0]?.write("acct-1", { type: "Job" });
      await vi.waitFor(
        async () => expect(await stores[0]?.deadLetters("dlq")).toHaveLength(SUBSCRIPTIONS),
        patiently,
      );
      await Promise.all(workers.map(({ subscription }) => subscription.stop()));
      for (const { state } of workers) state.broken = false;
      expect(await stores[0]?.redrive("dlq")).toHaveLength(SUBSCRIPTIONS);
      // Every feed opens at the same instant now: each sees its re-drive at start.
      await Promise.all(workers.map(({ subscription }) => subscription.start()));
      await vi.waitFor(
        () => expect(workers.map(({ state }) => state.handled)).toEqual(workers.map(() => 1)),
        patiently,
      );
      await Promise.all(workers.map(({ subscription }) => subscription.stop()));
    }
  });
});
