/**
 * Slow handlers behind a full pull: a backlog whose handling takes several ack waits, so the
 * messages pulled wait their turn in the client longer than the ack wait. The backend may
 * redeliver them meanwhile; the subscription must not make more of that than one handling.
 * Each message is handled once, on attempt 1, and none is dead-lettered: at-least-once allows
 * a second handling after a crash or a lost ack, not in a healthy run.
 */
import { expect } from "vitest";
import type { MessageStore } from "../../store.ts";
import type { ConsumerOptions } from "../../subscribe/types.ts";
import { eventually, readCategory, sleep, uniqueId } from "../helpers.ts";
import type { SuiteContext } from "../suite.ts";

/** Messages in the backlog, spread over a few streams. */
const BACKLOG = 60;
const STREAMS = 6;
/** The backlog takes 60 × 50 ms = 3 s to handle at `concurrency: 1`: three ack waits. */
const HANDLER_MS = 50;
const ACK_WAIT_MS = 1000;
const TIMEOUT_MS = BACKLOG * HANDLER_MS * 6;

type Tuning = Pick<ConsumerOptions, "batchSize" | "maxAttempts">;

/** The attempt of each handler call, by message (its `data`: an index). */
type Calls = Map<number, number[]>;

interface Backlog {
  readonly store: MessageStore;
  readonly category: string;
  readonly consumer: string;
  readonly options: ConsumerOptions;
  readonly calls: Calls;
}

async function writeBacklog(context: SuiteContext, tuning: Tuning): Promise<Backlog> {
  const store = await context.store();
  const category = `slow${uniqueId()}`;
  for (let index = 0; index < BACKLOG; index += 1) {
    await store.write(`${category}-${index % STREAMS}`, { type: "Work", data: index });
  }
  const consumer = `c${uniqueId()}`;
  const options = {
    consumer,
    deadLetter: `slowdlq${uniqueId()}`,
    ackWaitMs: ACK_WAIT_MS,
    ...tuning,
  };
  return { store, category, consumer, options, calls: new Map() };
}

async function handleSlowly(calls: Calls, index: number, attempt: number): Promise<void> {
  calls.set(index, [...(calls.get(index) ?? []), attempt]);
  await sleep(HANDLER_MS);
}

/**
 * Waits until every message was handled and acknowledged, then one ack wait more, in which a
 * redelivered copy still on its way would be handled too, and checks the calls.
 */
async function expectEachHandledOnce(backlog: Backlog): Promise<void> {
  const { store, category, consumer, calls, options } = backlog;
  await eventually(
    "every message handled and acknowledged",
    async () => {
      const info = await store.consumerInfo(category, consumer);
      return calls.size === BACKLOG && info?.inFlight === 0 && info.pending === 0;
    },
    TIMEOUT_MS / 2,
  );
  await sleep(ACK_WAIT_MS);
  // "index: attempts" for each message not handled exactly once, on attempt 1.
  const notOnceOnFirst = [...calls]
    .filter(([, attempts]) => attempts.join() !== "1")
    .map(([index, attempts]) => `${index}: ${attempts.join()}`);
  const deadLetters = await readCategory(store, options.deadLetter as string);
  expect({ notOnceOnFirst, deadLettered: deadLetters.length }).toEqual({
    notOnceOnFirst: [],
    deadLettered: 0,
  });
}

async function subscribeSlowly(context: SuiteContext, tuning: Tuning): Promise<void> {
  const backlog = await writeBacklog(context, tuning);
  const { store, category, calls, options } = backlog;
  const subscription = store.subscribe(category, {
    ...options,
    handlers: {
      Work: (message, ctx) => handleSlowly(calls, message.data as number, ctx.attempt),
    },
  });
  await subscription.start();
  try {
    await expectEachHandledOnce(backlog);
  } finally {
    await subscription.stop();
  }
}

/** A `consume()` loop over the backlog that ends at the first `Done` message. */
async function consumeLoop(store: MessageStore, backlog: Backlog): Promise<void> {
  const { category, calls, options } = backlog;
  for await (const item of store.consume(category, options)) {
    if (item.message.type === "Done") {
      await item.ack();
      return;
    }
    await handleSlowly(calls, item.message.data as number, item.attempt);
    await item.ack();
  }
}

/** `members` processes consume the backlog under one consumer name. */
async function consumeSlowly(context: SuiteContext, tuning: Tuning, members = 1): Promise<void> {
  const backlog = await writeBacklog(context, tuning);
  const stores = [backlog.store];
  while (stores.length < members) stores.push(await context.sibling(backlog.store));
  const loops = stores.map((store) => consumeLoop(store, backlog));
  try {
    await expectEachHandledOnce(backlog);
  } finally {
    // One `Done` per loop; a loop that ends leaves the rest to the others.
    for (let index = 0; index < members; index += 1) {
      await backlog.store.write(`${backlog.category}-done${index}`, { type: "Done" });
    }
    await Promise.all(loops);
  }
}

export function slowHandlerCases(context: SuiteContext): void {
  const { test } = context;
  const options = { timeoutMs: TIMEOUT_MS };

  test(
    "a subscription slower than the ack wait handles each message once, on attempt 1",
    () => subscribeSlowly(context, {}),
    options,
  );

  test(
    "a subscription slower than the ack wait handles each message once with small pulls",
    () => subscribeSlowly(context, { batchSize: 20 }),
    options,
  );

  test(
    "consume() slower than the ack wait hands out each message once, on attempt 1, and dead-letters none",
    () => consumeSlowly(context, { maxAttempts: 2 }),
    options,
  );

  test(
    "two consume() members slower than the ack wait hand out each message once between them",
    () => consumeSlowly(context, {}, 2),
    options,
  );
}
