import { connect, defineCategory, isExpectedVersionError } from "message-store";
import { z } from "zod"; // or valibot, arktype: any Standard Schema library

// The account's messages, declared once: writes are checked, handlers are typed.
const accounts = defineCategory("account", {
  Deposited: z.object({ amount: z.number() }),
  Withdrawn: z.object({ amount: z.number() }),
});

// No URL: MESSAGE_STORE_URL from the environment, else the in-memory backend.
const store = await connect();
const account = accounts.stream("42");

await store.write(account, { type: "Deposited", data: { amount: 100 } });

const { state, version } = await store.fetch(account, {
  init: { balance: 0 },
  handlers: {
    Deposited: (s, m) => ({ balance: s.balance + m.data.amount }),
    Withdrawn: (s, m) => ({ balance: s.balance - m.data.amount }),
  },
});
console.log(`balance ${state.balance} at version ${version}`);

try {
  // Only if nobody wrote to the account since we read it.
  await store.write(
    account,
    { type: "Withdrawn", data: { amount: 30 } },
    { expectedVersion: version },
  );
} catch (error) {
  if (!isExpectedVersionError(error)) throw error;
  // reload and decide again
}

const emails = store.subscribe(accounts, {
  consumer: "emails",
  deadLetter: "deadLetter",
  handlers: {
    Deposited: async (message, { attempt }) => {
      console.log(`deposit of ${message.data.amount} in ${message.streamName}, attempt ${attempt}`);
    },
  },
});
await emails.start();

// ...
await store.close(); // stops the subscription too
