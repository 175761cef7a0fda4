import { connect, isExpectedVersionError } from "message-store";

// No URL: MESSAGE_STORE_URL from the environment, else the in-memory backend.
const store = await connect();

await store.write("account-42", { type: "Deposited", data: { amount: 100 } });

const { state, version } = await store.fetch("account-42", {
  init: { balance: 0 },
  handlers: {
    Deposited: (s, m) => ({ balance: s.balance + (m.data as { amount: number }).amount }),
    Withdrawn: (s, m) => ({ balance: s.balance - (m.data as { amount: number }).amount }),
  },
});

try {
  // Only if nobody wrote to the account since we read it.
  await store.write(
    "account-42",
    { type: "Withdrawn", data: { amount: 30 } },
    { expectedVersion: version },
  );
} catch (error) {
  if (!isExpectedVersionError(error)) throw error;
  // reload and decide again
}

const emails = store.subscribe("account", {
  consumer: "emails",
  deadLetter: "deadLetter",
  handlers: {
    Deposited: async (message, { attempt }) => {
      console.log(`deposit ${message.id} in ${message.streamName}, attempt ${attempt}`);
    },
  },
});
await emails.start();

await store.close(); // stops the subscription too

export {};
