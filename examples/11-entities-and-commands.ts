/**
 * An account entity typed from its message contract, with a cache and snapshots, a command
 * handler, and two processes (here two stores over one storage, as two services over one
 * NATS) racing on one account.
 *
 *   npx tsx examples/11-entities-and-commands.ts
 *   MESSAGE_STORE_URL=nats://127.0.0.1:4222 npx tsx examples/11-entities-and-commands.ts
 */
import { randomUUID } from "node:crypto";
import {
  connect,
  type Decision,
  defineCategory,
  type Message,
  type MessageStore,
  type MessageToWrite,
} from "message-store";
import { z } from "zod";

// The account's events, declared once: they type the entity's handlers and what `decide` may
// return, and every event `handle` writes is checked against them.
const accounts = defineCategory("account", {
  Deposited: z.object({ amount: z.number().positive() }),
  Withdrawn: z.object({ amount: z.number().positive() }),
});

interface Account {
  readonly balance: number;
}

type AccountCommand = Message<"Deposit" | "Withdraw", { amount: number }>;

/** The account entity store of one process: make one at startup and share it. */
function accountEntities(store: MessageStore, options: { cache: boolean } = { cache: true }) {
  return store.entities({
    category: accounts,
    init: (): Account => ({ balance: 0 }),
    // Typed from the contract: `event.data.amount` needs no cast, and a handler for a type
    // the contract does not declare (`Depositted`) does not compile.
    handlers: {
      Deposited: (account, event) => ({ balance: account.balance + event.data.amount }),
      Withdrawn: (account, event) => ({ balance: account.balance - event.data.amount }),
    },
    cache: options.cache ? { maxEntries: 10_000 } : false,
    // A snapshot whenever the account is 5 versions past its last one. Bump `version` when
    // `Account` changes shape: older snapshots are then ignored.
    snapshot: { every: 5, version: 1 },
  });
}

/**
 * Pure: the same command and state always give the same events. Throwing refuses the
 * command. It may return only the contract's events: `{ type: "Deposit" }` does not compile.
 */
function decide(
  command: AccountCommand,
  account: Account,
): Decision<MessageToWrite<typeof accounts>> {
  const amount = command.data?.amount ?? 0;
  if (command.type === "Deposit") return { type: "Deposited", data: { amount } };
  if (amount > account.balance) throw new Error(`insufficient funds (${account.balance})`);
  return { type: "Withdrawn", data: { amount } };
}

function command(type: AccountCommand["type"], amount: number): AccountCommand {
  return { id: randomUUID(), type, data: { amount } };
}

const prefix = `entities${Date.now()}`;
// Two processes: on NATS two connections; on memory two stores opened on one name, which
// share their data as two processes share a server.
const url = process.env.MESSAGE_STORE_URL ?? "memory:";
const shared = url.startsWith("memory") ? "memory:accounts-example" : url;
const first = await connect(shared, { prefix });
const second = await connect(shared, { prefix });
const tellerA = accountEntities(first);
const tellerB = accountEntities(second);

console.log("One command");
const opened = await tellerA.handle("42", command("Deposit", 100), { decide });
console.log(`   deposited 100: balance ${opened.state.balance} at version ${opened.version}`);

console.log("\nTwo tellers race on account 42: 10 deposits of 10 each, at once");
const racing = Array.from({ length: 10 }, (_, index) =>
  (index % 2 === 0 ? tellerA : tellerB).handle("42", command("Deposit", 10), { decide }),
);
const results = await Promise.all(racing);
const positions = results.flatMap((result) => result.events.map((event) => event.position));
positions.sort((a, b) => a - b);
console.log(`   each written once, at positions ${positions.join(",")}`);
const afterRace = await tellerB.fetch("42");
console.log(
  `   balance ${afterRace.state.balance} at version ${afterRace.version}: no lost update`,
);

console.log("\nA refused command writes nothing");
try {
  await tellerA.handle("42", command("Withdraw", 1000), { decide });
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  console.log(`   refused: ${reason}; version still ${(await tellerA.fetch("42")).version}`);
}

console.log("\nThe same command twice (a redelivery): decided once");
const withdrawal = command("Withdraw", 50);
const once = await tellerA.handle("42", withdrawal, { decide });
const twice = await tellerB.handle("42", withdrawal, { decide });
console.log(`   first: wrote ${once.events.length} event at position ${once.events[0]?.position}`);
console.log(
  `   again: duplicate ${twice.duplicate}, the same event ${twice.events[0]?.id === once.events[0]?.id}`,
);
console.log(`   balance ${twice.state.balance} at version ${twice.version}`);

console.log("\nSnapshots");
await tellerA.flush();
const cold = accountEntities(first, { cache: false });
const loaded = await cold.fetch("42");
console.log(
  `   a cold fetch from the snapshot: balance ${loaded.state.balance} at version ${loaded.version}`,
);
const missing = await cold.get("nobody");
console.log(
  `   get of an account without events: ${missing === undefined ? "undefined" : "found"}`,
);

await first.close();
await second.close();
console.log("\nstores closed");
