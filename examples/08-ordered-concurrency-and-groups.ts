/**
 * Consumers at scale: ordered concurrency, a consumer group, the pull form `consume()`,
 * status events and `runUntilSignal`.
 *
 *   npx tsx examples/08-ordered-concurrency-and-groups.ts
 */
import { connect, declared, defineCategory, groupMemberFor, runUntilSignal } from "message-store";

const store = await connect(undefined, { prefix: `scale${Date.now()}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The handlers below read `message.data.index` typed from this declaration.
const ledger = defineCategory("account", { Deposited: declared<{ index: number }>() });

// Three accounts, four deposits each, written round by round so the category interleaves them.
const accounts = ["account-a", "account-b", "account-c"];
for (let index = 0; index < 4; index += 1) {
  for (const account of accounts) {
    await store.write(account, { type: "Deposited", data: { index } });
  }
}

// 1. Ordered concurrency: up to 3 handlers at once, never two of one account, each account
//    in order, even when a message fails and is retried.
const seen = new Map<string, number[]>(accounts.map((account) => [account, []]));
let inFlight = 0;
let peak = 0;
const projector = store.subscribe(ledger, {
  consumer: "balances",
  concurrency: 3,
  retryDelay: 20,
  // Each retry waits 20 ms ± 50 %, so consumers that failed together do not retry together.
  retryJitter: 0.5,
  handlers: {
    Deposited: async (message, context) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      try {
        await sleep(Math.random() * 5);
        const { index } = message.data;
        // account-b's second deposit fails once; its third waits until the retry succeeds.
        if (message.streamName === "account-b" && index === 1 && context.attempt === 1) {
          throw new Error("ledger busy");
        }
        seen.get(message.streamName)?.push(index);
      } finally {
        inFlight -= 1;
      }
    },
  },
});

// Status events come apart from the messages; this reader ends after "stopped".
const events: string[] = [];
const watching = (async () => {
  for await (const event of projector.status()) {
    if (event.type !== "connected") events.push(event.type);
  }
})();

await projector.start();
while ([...seen.values()].flat().length < 12) await sleep(10);
await projector.stop();
await watching;
for (const [account, order] of seen) console.log(`${account} handled in order ${order.join(",")}`);
console.log(`peak handlers in flight: ${peak <= 3 ? "at most 3" : peak}`);
console.log(`status events: ${events.join(", ")}`);

// 2. A consumer group of 2: every member reads the category and handles only the accounts
//    whose cardinal id hashes to it (FNV-1a 32-bit, modulo the size). Each member keeps its
//    own position, under the durable name "auditor-0of2" or "auditor-1of2".
const handledBy = new Map<string, number>();
const members = [0, 1].map((member) =>
  store.subscribe("account", {
    consumer: "auditor",
    group: { member, size: 2 },
    handlers: {
      Deposited: (message) => void handledBy.set(message.streamName, member),
    },
  }),
);
console.log(`durable names: ${members.map((member) => member.consumer).join(", ")}`);
await Promise.all(members.map((member) => member.start()));
while (handledBy.size < 3) await sleep(10);
await Promise.all(members.map((member) => member.stop()));
for (const account of accounts) {
  const id = account.slice("account-".length);
  const agrees = groupMemberFor(id, 2) === handledBy.get(account);
  console.log(`${account}: member ${handledBy.get(account)} (hash agrees: ${agrees})`);
}

// 3. The pull form: the loop body is the handler. nak() is a failed attempt: the same
//    message comes back (after retryDelay) before the next one.
const pulled: string[] = [];
for await (const { message, attempt, ack, nak } of store.consume(ledger.stream("a"), {
  consumer: "puller",
  retryDelay: 0,
})) {
  const { index } = message.data;
  pulled.push(`${index}#${attempt}`);
  if (index === 0 && attempt === 1) nak();
  else await ack();
  if (index === 3) break;
}
console.log(`pulled account-a: ${pulled.join(" ")}`);

// 4. runUntilSignal starts subscriptions, waits for SIGINT or SIGTERM, then drains them.
//    This example sends itself the signal once the new deposit is handled.
const tail = store.subscribe(ledger, {
  consumer: "tail",
  handlers: {
    Deposited: (message) => {
      if (message.data.index === 99) process.kill(process.pid, "SIGTERM");
    },
  },
});
await store.write("account-a", { type: "Deposited", data: { index: 99 } });
const signal = await runUntilSignal(tail);
console.log(`runUntilSignal drained on ${signal}; running: ${tail.running}`);

await store.close();
