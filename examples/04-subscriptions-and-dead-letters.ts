/**
 * Subscriptions: retries with a delay per attempt, giving up with terminate(), dead letters.
 *
 *   npx tsx examples/04-subscriptions-and-dead-letters.ts
 */
import { connect, declared, defineCategory } from "message-store";

const store = await connect(undefined, { prefix: `subs${Date.now()}` });
// The handler below reads `message.data.amount` typed from this declaration.
const invoices = defineCategory("invoice", {
  InvoiceIssued: declared<{ amount: number }>(),
  InvoiceViewed: declared<Record<string, never>>(),
});

await store.write("invoice-1", { type: "InvoiceIssued", data: { amount: 120 } });
await store.write("invoice-2", { type: "InvoiceIssued", data: { amount: -5 } });
await store.write("invoice-3", { type: "InvoiceIssued", data: { amount: 80 } });
// No handler for this type: the subscription acknowledges it and moves on.
await store.write("invoice-3", { type: "InvoiceViewed", data: {} });

// Resolved when invoice 1 is mailed; the other two end as dead letters.
let mailed: () => void = () => {};
const invoiceMailed = new Promise<void>((resolve) => {
  mailed = resolve;
});

const subscription = store.subscribe(invoices, {
  consumer: "invoice-mailer",
  maxAttempts: 4,
  // Milliseconds before the redelivery after attempt 1, 2, 3… The last value repeats.
  // A number (always the same) or (attempt) => ms work too.
  retryDelay: [50, 100, 200],
  deadLetter: "invoiceDeadLetter",
  handlers: {
    InvoiceIssued: (message, context) => {
      const { amount } = message.data;
      const at = `   ${message.streamName} attempt ${context.attempt}`;
      if (amount < 0) {
        // Retrying cannot fix bad data: give up now. It is dead-lettered once, never redelivered.
        console.log(`${at}: negative amount, terminate`);
        context.terminate("negative amount");
        return;
      }
      // Invoice 3 fails on every attempt, so it uses up all four.
      if (message.streamId === "3") {
        console.log(`${at}: printer offline${context.isLastAttempt ? " (last attempt)" : ""}`);
        throw new Error("printer offline");
      }
      console.log(`${at}: mailed`);
      mailed();
    },
  },
});

console.log("Handling invoices");
await subscription.start();
await invoiceMailed;
for (const stream of ["invoice-2", "invoice-3"]) {
  await store.waitFor("invoiceDeadLetter", (m) => m.streamName === stream, {
    fromGlobalPosition: 1,
  });
}
await subscription.stop();

// Dead letters keep the original message: id, type, data, metadata and stream.
// On NATS they also carry Ms-Dead-Letter-* headers with the reason, error and attempts.
console.log("\nThe dead-letter category");
for await (const letter of store.readCategory("invoiceDeadLetter")) {
  console.log(
    `   ${letter.streamName} ${letter.type} ${JSON.stringify(letter.data)} (id ${letter.id})`,
  );
}

await store.close();
