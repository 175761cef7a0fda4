/**
 * Replay and re-drive: start a consumer from a point in time, rebuild a projection by
 * resetting its consumer, watch its lag, and get a dead letter handled again once the bug
 * that killed it is fixed.
 *
 *   npx tsx examples/09-replay-and-redrive.ts
 */
import { connect, declared, defineCategory } from "message-store";

const store = await connect(undefined, { prefix: `replay${Date.now()}` });
const orders = defineCategory("order", { Placed: declared<{ total: number }>() });

/** Resolves once `check` holds: subscriptions handle messages in the background. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}

// 1. Some history, then a point in time, then more.
await store.write("order-1", { type: "Placed", data: { total: 10 } });
await store.write("order-2", { type: "Placed", data: { total: 20 } });
await new Promise((resolve) => setTimeout(resolve, 20));
const since = new Date();
await store.write("order-3", { type: "Placed", data: { total: 30 } });

// 2. A new consumer that starts at that instant sees only order-3.
const recent: string[] = [];
const latest = store.subscribe("order", {
  consumer: "recent-orders",
  startAt: { time: since },
  handlers: { Placed: (message) => void recent.push(message.streamName) },
});
await latest.start();
await until(() => recent.length === 1);
await latest.stop();
console.log(`startAt { time } saw: ${recent.join(", ")}`);

// 3. A projection: revenue. Before it runs, its consumer lags by every order.
let revenue = 0;
const projectRevenue = () =>
  store.subscribe(orders, {
    consumer: "revenue",
    handlers: {
      Placed: (message) => {
        revenue += message.data.total;
      },
    },
  });
await store.resetConsumer("order", "revenue", "beginning");
const before = await store.consumerInfo("order", "revenue");
console.log(`revenue consumer lag before: ${before?.lag}`);
let projection = projectRevenue();
await projection.start();
await until(async () => (await store.consumerInfo("order", "revenue"))?.lag === 0);
await projection.stop();
console.log(`revenue is ${revenue}, lag now 0`);

// 4. Rebuild: stop the subscription, reset its consumer, start from nothing again.
revenue = 0;
await store.resetConsumer("order", "revenue", "beginning");
projection = projectRevenue();
await projection.start();
await until(async () => (await store.consumerInfo("order", "revenue"))?.lag === 0);
await projection.stop();
console.log(`rebuilt revenue is ${revenue}`);

// 5. A mailer with a bug: orders over 25 fail every attempt and end as dead letters.
let fixed = false;
const mailed: string[] = [];
const mailer = store.subscribe(orders, {
  consumer: "mailer",
  maxAttempts: 3,
  retryDelay: 0,
  deadLetter: "orderDeadLetter",
  handlers: {
    Placed: (message) => {
      const { total } = message.data;
      if (!fixed && total > 25) throw new Error(`cannot format total ${total}`);
      mailed.push(message.streamName);
    },
  },
});
await mailer.start();
await until(async () => (await store.deadLetters("orderDeadLetter")).length === 1);
for (const letter of await store.deadLetters("orderDeadLetter")) {
  console.log(
    `dead letter: ${letter.streamName} ${letter.reason} after ${letter.attempts} attempts (${letter.error}) by ${letter.consumer}`,
  );
}

// 6. Fix the bug, re-drive: the mailer gets the message again; order-3 gets no new message.
fixed = true;
const versionBefore = await store.version("order-3");
const redriven = await store.redrive("orderDeadLetter", { consumer: "mailer" });
await until(() => mailed.includes("order-3"));
console.log(`re-drove ${redriven.length}; mailed: ${mailed.join(", ")}`);
console.log(`order-3 version ${versionBefore} before, ${await store.version("order-3")} after`);
console.log(`dead letters left: ${(await store.deadLetters("orderDeadLetter")).length}`);

await store.close();
