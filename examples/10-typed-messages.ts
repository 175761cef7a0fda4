/**
 * Typed messages: a category's messages declared once with zod, checked on every write and
 * typed in every handler; an older version of a message upcast as it is read; Eventide's
 * causation and correlation metadata with `ctx.follow`, `ctx.reply` and a `correlation` filter.
 *
 *   npx tsx examples/10-typed-messages.ts
 */
import { connect, defineCategory, isInvalidMessageError, type MessageOf } from "message-store";
import { z } from "zod";

// 1. The contract: one schema per message type (zod here; valibot or arktype work the same).
const accounts = defineCategory("account", {
  Opened: z.object({ owner: z.string().min(1) }),
  // Deposited changed shape: version 1 had `amount` in euros, version 2 has `cents`. Writes
  // store version 2; reads turn version 1 into 2 with the upcaster, before anything sees it.
  Deposited: {
    schema: z.object({ cents: z.number().int() }),
    upcasters: [(v1: { amount: number }) => ({ cents: Math.round(v1.amount * 100) })],
  },
  Withdrawn: z.object({ cents: z.number().int() }),
});
const commands = defineCategory("account:command", {
  Deposit: z.object({ cents: z.number().int().positive() }),
});

/** `type` narrows `data`: every branch reads its own fields, without a cast. */
function describe(message: MessageOf<typeof accounts>): string {
  switch (message.type) {
    case "Opened":
      return `opened by ${message.data.owner}`;
    case "Deposited":
      return `deposited ${message.data.cents} cents`;
    case "Withdrawn":
      return `withdrew ${message.data.cents} cents`;
  }
}

const store = await connect(undefined, { prefix: `typed${Date.now()}` });
const account = accounts.stream("1");

console.log("1. Writes are checked against the schema");
await store.write(account, [
  { type: "Opened", data: { owner: "Ada" } },
  { type: "Deposited", data: { cents: 1000 } },
]);
try {
  await store.write(account, { type: "Withdrawn", data: { cents: 2.5 } });
} catch (error) {
  if (!isInvalidMessageError(error)) throw error;
  const issues = error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  console.log(`   refused, nothing stored: ${issues.join("; ")}`);
}
// The compiler refuses a type the contract does not declare (and so does the store):
// @ts-expect-error "Depositted" is not a message type of the account category
const typo = await store.write(account, { type: "Depositted", data: { cents: 1 } }).catch(String);
console.log(`   ${typo}`);
console.log(`   ${account.name} holds ${(await store.version(account)) + 1} messages`);

console.log("\n2. An old version is upcast when read");
// Written as a service that still writes version 1 would: by name, without the contract.
await store.write(account.name, { type: "Deposited", data: { amount: 2.5 } });
for (const message of await store.get(account)) {
  console.log(`   ${message.position}: ${describe(message)}`);
}

console.log("\n3. A handler that follows the command and replies");
const service = store.subscribe(commands, {
  consumer: "account-service",
  // Check each command against its schema; one that fails is dead-lettered (reason
  // `invalid`) and never reaches the handler.
  validate: true,
  deadLetter: "accountDeadLetter",
  handlers: {
    Deposit: async (command, context) => {
      // follow: the event records the command as its cause and keeps its correlation.
      await store.write(
        accounts.stream(command.streamId),
        context.follow({ type: "Deposited", data: { cents: command.data.cents } }),
      );
      await context.reply({ type: "DepositAccepted", data: { cents: command.data.cents } });
    },
  },
});
await service.start();
await store.write(commands.stream("1"), {
  type: "Deposit",
  data: { cents: 500 },
  metadata: { correlationStreamName: "transfer-9", replyStreamName: "transferReply-9" },
});
// Written by name, as a client without the contract could: the schema refuses it.
await store.write("account:command-1", { type: "Deposit", data: { cents: -5 } });
const reply = await store.waitFor("transferReply-9", () => true, { fromPosition: 0 });
const { causationMessageStreamName, causationMessagePosition } = reply.metadata;
console.log(
  `   reply ${reply.type}, caused by ${causationMessageStreamName}/${causationMessagePosition}`,
);
const letter = await store.waitFor("accountDeadLetter", () => true, { fromGlobalPosition: 1 });
console.log(`   dead letter of ${letter.streamName} at position ${letter.position}`);
for (const { reason, error } of await store.deadLetters("accountDeadLetter")) {
  console.log(`   reason ${reason}: ${error}`);
}

console.log("\n4. Reading a category by correlation");
for await (const message of store.readCategory(accounts, { correlation: "transfer" })) {
  console.log(`   ${message.streamName}/${message.position}: ${describe(message)}`);
}

await store.close();
