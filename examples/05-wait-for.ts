/**
 * waitFor: send a command, then wait for the event a handler writes in reply.
 *
 *   npx tsx examples/05-wait-for.ts
 */
import { randomUUID } from "node:crypto";
import { connect, declared, defineCategory, isTimeoutError } from "message-store";

const store = await connect(undefined, { prefix: `waitfor${Date.now()}` });
const commands = defineCategory("account:command", { Deposit: declared<{ amount: number }>() });

// The service: turns Deposit commands into Deposited events, keeping the command's id as a
// correlation id so the sender can recognise its reply.
const service = store.subscribe(commands, {
  consumer: "account-service",
  handlers: {
    Deposit: async (command) => {
      const { amount } = command.data;
      await store.write(`account-${command.streamId}`, {
        type: "Deposited",
        data: { amount },
        metadata: { correlationId: command.id },
      });
    },
  },
});
await service.start();

console.log("Send a command, wait for its event");
const commandId = randomUUID();
// Start waiting before writing: by default waitFor counts only messages written after the call.
const reply = store.waitFor(
  "account-5",
  (message) => message.metadata.correlationId === commandId,
  { timeoutMs: 5000 },
);
await store.write("account:command-5", { id: commandId, type: "Deposit", data: { amount: 25 } });
const deposited = await reply;
console.log(
  `   ${deposited.type} ${JSON.stringify(deposited.data)} in ${deposited.streamName} at position ${deposited.position}`,
);

console.log("\nLooking at messages already written");
// The event exists now; without a from-option a new waitFor would wait for the next one.
const existing = await store.waitFor("account-5", (message) => message.type === "Deposited", {
  fromPosition: 0,
});
console.log(`   fromPosition 0 found ${existing.type} at position ${existing.position} at once`);

console.log("\nA wait that times out");
try {
  await store.waitFor("account-5", (message) => message.type === "Closed", { timeoutMs: 200 });
} catch (error) {
  if (!isTimeoutError(error)) throw error;
  console.log(`   TimeoutError after ${error.timeoutMs} ms: ${error.message}`);
}

await store.close();
